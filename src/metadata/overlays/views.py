"""Overlay rules for forms, list views and publication: what people see.

A region may relabel, add help, reorder a section's fields, add fields to a
section, hide optional fields, add `x_` sections and forms, add list columns
and filters, and add `x_` list views. Hiding a required field is refused: the
citizen could never submit the form.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from yiwang.metadata.documents import pointers
from yiwang.metadata.documents.hashing import json_copy
from yiwang.metadata.documents.problems import Problems
from yiwang.metadata.overlays.fields import add_local, fragment_fits, is_local


def apply_form_patches(
    forms: dict[str, Any],
    patches: dict[str, Any],
    fields: Mapping[str, Any],
    pointer: str,
    problems: Problems,
) -> None:
    """Apply the overlay's `forms` in place; `fields` are the document's patched fields."""
    for key, patch in patches.items():
        here = pointers.join(pointer, key)
        if key in forms:
            _patch_form(forms[key], patch, fields, here, problems)
        elif is_local(key, here, problems):
            _add_form(forms, key, patch, here, problems)


def _add_form(
    forms: dict[str, Any], key: str, patch: dict[str, Any], pointer: str, problems: Problems
) -> None:
    form = {k: json_copy(v) for k, v in patch.items() if k != "sections"}
    form["sections"] = [
        _new_section(s_key, s_patch) for s_key, s_patch in patch.get("sections", {}).items()
    ]
    if fragment_fits("form", form, pointer, problems):
        forms[key] = form


def _new_section(key: str, patch: Mapping[str, Any]) -> dict[str, Any]:
    section: dict[str, Any] = {"key": key}
    section.update({k: json_copy(v) for k, v in patch.items() if k != "after"})
    return section


def _patch_form(
    form: dict[str, Any],
    patch: dict[str, Any],
    fields: Mapping[str, Any],
    pointer: str,
    problems: Problems,
) -> None:
    for name in ("label", "description"):
        if name in patch:
            form[name] = patch[name]
    if "audience" in patch and patch["audience"] != form["audience"]:
        problems.add(
            "metadata.overlay.patch_not_allowed",
            pointers.join(pointer, "audience"),
            property="audience",
        )
    sections: list[dict[str, Any]] = form["sections"]
    for key, s_patch in patch.get("sections", {}).items():
        here = pointers.join(pointer, "sections", key)
        existing = next((s for s in sections if s["key"] == key), None)
        if existing is None:
            if not is_local(key, here, problems):
                continue
            section = _new_section(key, s_patch)
            if not fragment_fits("section", section, here, problems):
                continue
            existing = section
            sections.append(section)
        else:
            _patch_section(existing, s_patch, fields, here, problems)
        if "after" in s_patch:
            _move_after(sections, existing, s_patch["after"], here, problems)


def _move_after(
    sections: list[dict[str, Any]],
    section: dict[str, Any],
    anchor: str,
    pointer: str,
    problems: Problems,
) -> None:
    keys = [s["key"] for s in sections]
    if anchor not in keys or anchor == section["key"]:
        problems.add("metadata.overlay.anchor_missing", pointers.join(pointer, "after"), key=anchor)
        return
    sections.remove(section)
    index = [s["key"] for s in sections].index(anchor)
    sections.insert(index + 1, section)


def _patch_section(
    section: dict[str, Any],
    patch: Mapping[str, Any],
    fields: Mapping[str, Any],
    pointer: str,
    problems: Problems,
) -> None:
    for name in ("label", "help", "visible_when"):
        if name in patch:
            section[name] = json_copy(patch[name])
    if "fields" in patch:
        problems.add(
            "metadata.overlay.patch_not_allowed",
            pointers.join(pointer, "fields"),
            property="fields",
        )
    placed: list[str] = section["fields"]
    if "order" in patch:
        order = patch["order"]
        if sorted(order) != sorted(placed):
            problems.add(
                "metadata.overlay.reorder_mismatch",
                pointers.join(pointer, "order"),
                expected="、".join(placed),
            )
        else:
            placed[:] = order
    for key in patch.get("add_fields", []):
        if key not in placed:
            placed.append(key)
    for index, key in enumerate(patch.get("hide", [])):
        here = pointers.join(pointer, "hide", index)
        if key not in placed:
            problems.add("metadata.overlay.unknown_target", here, key=key)
        elif fields.get(key, {}).get("required") or fields.get(key, {}).get("required_when"):
            problems.add("metadata.overlay.hide_required", here, field=key)
        else:
            placed.remove(key)


def apply_list_patches(
    lists: dict[str, Any], patches: dict[str, Any], pointer: str, problems: Problems
) -> None:
    """Apply the overlay's `lists` in place."""
    for key, patch in patches.items():
        here = pointers.join(pointer, key)
        if key not in lists:
            add_local(lists, key, "list_view", patch, here, problems)
            continue
        view = lists[key]
        for name in ("columns", "filters", "audience"):
            if name in patch and patch[name] != view.get(name):
                problems.add(
                    "metadata.overlay.patch_not_allowed", pointers.join(here, name), property=name
                )
        for name in ("label", "page_size", "sort"):
            if name in patch:
                view[name] = json_copy(patch[name])
        for name, target in (("add_columns", "columns"), ("add_filters", "filters")):
            existing = view.setdefault(target, [])
            existing.extend(k for k in patch.get(name, []) if k not in existing)


def apply_publication_patch(publication: dict[str, Any], patch: Mapping[str, Any]) -> None:
    """Relabel the section, choose the title field or list, publish more fields."""
    for name in ("section_label", "title_field", "list"):
        if name in patch:
            publication[name] = patch[name]
    details = publication.setdefault("detail_fields", [])
    details.extend(k for k in patch.get("add_detail_fields", []) if k not in details)
