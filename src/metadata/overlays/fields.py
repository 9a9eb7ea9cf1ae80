"""Overlay rules for fields: add `x_` fields, tighten inherited ones, never weaken.

An inherited field may be relabelled, given help, a placeholder or a default,
made required, given a narrower bound, a pattern or format where it had none,
a narrower list of accepted file types, and new `x_` columns if it is a table.
It may not be removed, retyped, un-required, loosened or stripped of `pii` or `internal`.
"""

from __future__ import annotations

from typing import Any, Final

from yiwang.metadata.documents import pointers
from yiwang.metadata.documents.field_types import LOWER_BOUNDS, UPPER_BOUNDS
from yiwang.metadata.documents.hashing import json_copy
from yiwang.metadata.documents.metaschemas import fragment_errors
from yiwang.metadata.documents.problems import Problems

LOCAL_PREFIX: Final = "x_"

#: a different value here means a different field
_IDENTITY: Final = ("type", "code_list", "ref_type")
#: presentation, freely changed
_FREE: Final = ("label", "help", "placeholder", "default", "indexed", "public")
#: constraints that may be added where absent but never replaced
_ADD_ONLY: Final = ("pattern", "format")


def apply_field_patches(
    fields: dict[str, Any], patches: dict[str, Any], pointer: str, problems: Problems
) -> None:
    """Apply `patches` (the overlay's `fields` or a table's `columns`) to `fields` in place."""
    for key, patch in patches.items():
        here = pointers.join(pointer, key)
        if key not in fields:
            if patch is None:
                problems.add("metadata.overlay.unknown_target", here, key=key)
            else:
                add_local(fields, key, "field", patch, here, problems)
        elif patch is None:
            problems.add("metadata.overlay.field_removed", here, field=key)
        else:
            _patch_field(fields[key], patch, here, problems)


def is_local(key: str, pointer: str, problems: Problems) -> bool:
    """Whether a region may add `key` (it starts with `x_`); records the refusal if not."""
    if key.startswith(LOCAL_PREFIX):
        return True
    problems.add("metadata.overlay.x_prefix_required", pointer, key=key)
    return False


def fragment_fits(definition: str, fragment: Any, pointer: str, problems: Problems) -> bool:
    """Whether `fragment` passes its meta-schema `definition`; records its errors if not."""
    errors = fragment_errors(definition, fragment, pointer=pointer)
    problems.extend(errors)
    return not errors


def add_local(
    target: dict[str, Any],
    key: str,
    definition: str,
    fragment: Any,
    pointer: str,
    problems: Problems,
) -> None:
    """Add a copy of a region's new `x_` `fragment` under `key` if it is well formed."""
    if is_local(key, pointer, problems) and fragment_fits(definition, fragment, pointer, problems):
        target[key] = json_copy(fragment)


def _patch_field(
    field: dict[str, Any], patch: dict[str, Any], pointer: str, problems: Problems
) -> None:
    for name, value in patch.items():
        here = pointers.join(pointer, name)
        current = field.get(name)
        if name in _IDENTITY:
            if value != current:
                problems.add(
                    "metadata.overlay.field_retyped",
                    here,
                    property=name,
                    before=str(current),
                    after=str(value),
                )
        elif name in _FREE:
            field[name] = json_copy(value)
        elif name == "required":
            if current and not value:
                problems.add("metadata.overlay.weakens_required", here)
            else:
                field[name] = value
        elif name == "required_when":
            # required when either the inherited or the new condition holds: only stricter
            field[name] = {"anyOf": [current, value]} if current else json_copy(value)
        elif name in ("pii", "internal"):
            if current and not value:
                problems.add("metadata.overlay.weakens_privacy", here)
            else:
                field[name] = value
        elif name in LOWER_BOUNDS:
            tighten_bound(field, name, value, here, problems, lower=True)
        elif name in UPPER_BOUNDS:
            tighten_bound(field, name, value, here, problems, lower=False)
        elif name in _ADD_ONLY:
            if current is not None and current != value:
                problems.add(
                    "metadata.overlay.loosens_bound", here, bound=name, before=current, after=value
                )
            else:
                field[name] = value
        elif name == "accept":
            if current is not None and not set(value) <= set(current):
                problems.add(
                    "metadata.overlay.loosens_bound",
                    here,
                    bound=name,
                    before="、".join(current),
                    after="、".join(value),
                )
            else:
                field[name] = list(value)
        elif name == "columns":
            if "columns" not in field:
                problems.add("metadata.overlay.patch_not_allowed", here, property=name)
            else:
                apply_field_patches(field["columns"], value, here, problems)
        else:
            problems.add("metadata.overlay.patch_not_allowed", here, property=name)


def tighten_bound(
    target: dict[str, Any],
    name: str,
    value: Any,
    pointer: str,
    problems: Problems,
    *,
    lower: bool,
) -> None:
    """Set a bound if it is at least as strict as the inherited one."""
    current = target.get(name)
    looser = current is not None and (value < current if lower else value > current)
    if looser:
        problems.add(
            "metadata.overlay.loosens_bound", pointer, bound=name, before=current, after=value
        )
    else:
        target[name] = value
