"""Overlay rules for code lists (字典): add local values, relabel, never delete.

A value a region adds may not reuse a code the inherited list already has:
records coded under the base meaning would silently change meaning. It goes
where the region says (`before` or `after` an inherited value), and by
default before the list's catch-all value (其他, marked `catch_all`), so
that 其他 stays last; a list without one gets it appended.
"""

from __future__ import annotations

from typing import Any

from yiwang.metadata.documents import pointers
from yiwang.metadata.documents.hashing import json_copy
from yiwang.metadata.documents.problems import Problems
from yiwang.metadata.overlays.fields import fragment_fits, is_local


def apply_code_list_patches(
    code_lists: dict[str, Any], patches: dict[str, Any], pointer: str, problems: Problems
) -> None:
    """Apply a document's `code_lists` patches in place; new lists must start with `x_`."""
    for key, patch in patches.items():
        here = pointers.join(pointer, key)
        if key in code_lists:
            apply_code_list_patch(code_lists[key], patch, here, problems)
        elif is_local(key, here, problems):
            _add_code_list(code_lists, key, patch, here, problems)


def _add_code_list(
    code_lists: dict[str, Any], key: str, patch: dict[str, Any], pointer: str, problems: Problems
) -> None:
    extra = sorted(set(patch) - {"label", "description", "add"})
    for name in extra:
        problems.add(
            "metadata.overlay.patch_not_allowed", pointers.join(pointer, name), property=name
        )
    code_list: dict[str, Any] = {
        k: json_copy(patch[k]) for k in ("label", "description") if k in patch
    }
    code_list["values"] = json_copy(patch.get("add", []))
    if fragment_fits("code_list", code_list, pointer, problems) and not extra:
        code_lists[key] = code_list


def apply_code_list_patch(
    code_list: dict[str, Any], patch: dict[str, Any], pointer: str, problems: Problems
) -> None:
    """Relabel the list, add values, relabel values; a removal is refused."""
    for name in ("label", "description"):
        if name in patch:
            code_list[name] = patch[name]
    values: list[dict[str, Any]] = code_list["values"]
    by_code = {v["code"]: v for v in values}
    for index, code in enumerate(patch.get("remove", [])):
        here = pointers.join(pointer, "remove", index)
        if code in by_code:
            problems.add("metadata.overlay.code_value_removed", here, code=code)
        else:
            problems.add("metadata.overlay.unknown_target", here, key=code)
    for code, label in patch.get("relabel", {}).items():
        if code in by_code:
            by_code[code]["label"] = label
        else:
            problems.add(
                "metadata.overlay.unknown_target", pointers.join(pointer, "relabel", code), key=code
            )
    for index, value in enumerate(patch.get("add", [])):
        here = pointers.join(pointer, "add", index)
        if value["code"] in by_code:
            problems.add(
                "metadata.overlay.code_value_collision",
                pointers.join(here, "code"),
                code=value["code"],
                label=by_code[value["code"]]["label"],
            )
            continue
        position = _position(values, value, here, problems)
        if position is None:
            continue
        added = {k: json_copy(v) for k, v in value.items() if k not in ("before", "after")}
        values.insert(position, added)
        by_code[value["code"]] = added


def _position(
    values: list[dict[str, Any]], value: dict[str, Any], pointer: str, problems: Problems
) -> int | None:
    """Where an added value goes in `values`, or None (with a problem) for an unknown anchor."""
    for side, offset in (("before", 0), ("after", 1)):
        if side in value:
            for index, existing in enumerate(values):
                if existing["code"] == value[side]:
                    return index + offset
            problems.add(
                "metadata.overlay.unknown_target", pointers.join(pointer, side), key=value[side]
            )
            return None
    for index, existing in enumerate(values):
        if existing.get("catch_all"):
            return index
    return len(values)
