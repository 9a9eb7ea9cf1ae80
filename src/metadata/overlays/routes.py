"""Overlay rules for approval routes: insert local steps, never drop mandatory ones.

A region may insert `x_` steps before or after an inherited step, assign
local roles and departments, shorten step limits and the promised time limit
(never beyond the statutory one, which is the law's and stays as it is),
drop optional steps, and add `x_` routes.
"""

from __future__ import annotations

from typing import Any, Final

from yiwang.metadata.documents import pointers
from yiwang.metadata.documents.hashing import json_copy
from yiwang.metadata.documents.problems import Problems
from yiwang.metadata.overlays.fields import LOCAL_PREFIX, add_local, tighten_bound

_STEP_FREE: Final = ("label", "help", "role", "department")


def apply_route_patches(
    routes: dict[str, Any], patches: dict[str, Any], pointer: str, problems: Problems
) -> None:
    """Apply the overlay's `routes` in place."""
    for key, patch in patches.items():
        here = pointers.join(pointer, key)
        if key in routes:
            _patch_route(routes[key], patch, here, problems)
        else:
            add_local(routes, key, "route", patch, here, problems)


def _patch_route(
    route: dict[str, Any], patch: dict[str, Any], pointer: str, problems: Problems
) -> None:
    for name in ("label", "description"):
        if name in patch:
            route[name] = patch[name]
    if "steps" in patch:
        problems.add(
            "metadata.overlay.patch_not_allowed", pointers.join(pointer, "steps"), property="steps"
        )
    if "statutory_days" in patch and patch["statutory_days"] != route.get("statutory_days"):
        problems.add(
            "metadata.overlay.statutory_fixed",
            pointers.join(pointer, "statutory_days"),
            statutory=route.get("statutory_days"),
        )
    if "promised_days" in patch:
        _promise(route, patch["promised_days"], pointers.join(pointer, "promised_days"), problems)
    steps: list[dict[str, Any]] = route["steps"]
    for index, key in enumerate(patch.get("remove", [])):
        _remove_step(steps, key, pointers.join(pointer, "remove", index), problems)
    for key, step_patch in patch.get("update", {}).items():
        _update_step(steps, key, step_patch, pointers.join(pointer, "update", key), problems)
    for index, insertion in enumerate(patch.get("insert", [])):
        _insert_step(steps, insertion, pointers.join(pointer, "insert", index), problems)


def _promise(route: dict[str, Any], days: int, pointer: str, problems: Problems) -> None:
    statutory = route.get("statutory_days")
    if statutory is not None and days > statutory:
        problems.add(
            "metadata.overlay.promise_exceeds_statutory",
            pointer,
            promised=days,
            statutory=statutory,
        )
        return
    tighten_bound(route, "promised_days", days, pointer, problems, lower=False)


def _find(steps: list[dict[str, Any]], key: str) -> dict[str, Any] | None:
    return next((s for s in steps if s["key"] == key), None)


def _remove_step(steps: list[dict[str, Any]], key: str, pointer: str, problems: Problems) -> None:
    step = _find(steps, key)
    if step is None:
        problems.add("metadata.overlay.unknown_target", pointer, key=key)
    elif step.get("mandatory"):
        problems.add("metadata.overlay.mandatory_step_dropped", pointer, step=key)
    else:
        steps.remove(step)


def _update_step(
    steps: list[dict[str, Any]],
    key: str,
    patch: dict[str, Any],
    pointer: str,
    problems: Problems,
) -> None:
    step = _find(steps, key)
    if step is None:
        problems.add("metadata.overlay.unknown_target", pointer, key=key)
        return
    for name, value in patch.items():
        here = pointers.join(pointer, name)
        if name in _STEP_FREE:
            step[name] = value
        elif name == "kind":
            if value != step["kind"]:
                problems.add(
                    "metadata.overlay.step_retyped", here, before=step["kind"], after=value
                )
        elif name == "mandatory":
            if step.get("mandatory") and not value:
                problems.add("metadata.overlay.mandatory_step_dropped", here, step=key)
            else:
                step[name] = value
        elif name == "time_limit_days":
            tighten_bound(step, name, value, here, problems, lower=False)
        elif name == "stops_clock":
            # a stopped clock gives the department more time: only a base may allow it
            if value and not step.get("stops_clock"):
                problems.add(
                    "metadata.overlay.loosens_bound", here, bound=name, before=False, after=True
                )
            else:
                step[name] = value


def _insert_step(
    steps: list[dict[str, Any]], insertion: dict[str, Any], pointer: str, problems: Problems
) -> None:
    step = insertion["step"]
    step_pointer = pointers.join(pointer, "step")
    if not step["key"].startswith(LOCAL_PREFIX):
        problems.add(
            "metadata.overlay.x_prefix_required",
            pointers.join(step_pointer, "key"),
            key=step["key"],
        )
        return
    if _find(steps, step["key"]) is not None:
        problems.add(
            "metadata.overlay.key_exists", pointers.join(step_pointer, "key"), key=step["key"]
        )
        return
    anchor_name = "after" if "after" in insertion else "before" if "before" in insertion else None
    if anchor_name is None:
        steps.append(json_copy(step))
        return
    anchor = _find(steps, insertion[anchor_name])
    if anchor is None:
        problems.add(
            "metadata.overlay.anchor_missing",
            pointers.join(pointer, anchor_name),
            key=insertion[anchor_name],
        )
        return
    index = steps.index(anchor) + (1 if anchor_name == "after" else 0)
    steps.insert(index, json_copy(step))
