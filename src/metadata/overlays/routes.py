"""Overlay rules for approval routes: insert local steps, never drop mandatory ones.

A region may insert `x_` steps before or after an inherited step, assign
steps to other roles of the catalogue (publishing refuses any other, see
`documents.route_roles`) and to its departments, shorten step limits and the promised time limit
(never beyond the statutory one, which is the law's and stays as it is),
drop optional steps, add `x_` branches to a parallel step, and add `x_` routes.

A region may make an approval stricter, never weaker. A mode is weaker when
fewer approvals pass the step or more rejections are needed to stop it
(`ApprovalRule.weaker_than`): 会签 of 3 may become 会签 of 4 or a 5-of-3
vote with one veto (一票否决), never 或签, a smaller 会签, or a vote without the
veto; single and 或签 (one approval, one rejection) may become each other. A
rejection that decided something may not become `continue` (a mere opinion).
"""

from __future__ import annotations

from typing import Any, Final

from yiwang.metadata.documents import pointers
from yiwang.metadata.documents.approvals import MODE_PARAMETERS, approval_rule
from yiwang.metadata.documents.hashing import json_copy
from yiwang.metadata.documents.problems import Problems
from yiwang.metadata.overlays.fields import (
    LOCAL_PREFIX,
    add_local,
    fragment_fits,
    is_local,
    tighten_bound,
)

_TASK_FREE: Final = ("label", "help", "role")
_APPROVAL: Final[tuple[str, ...]] = ("mode", *MODE_PARAMETERS)


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
    _patch_task(step, patch, pointer, problems)
    for name, value in patch.items():
        here = pointers.join(pointer, name)
        if name == "kind":
            if value != step["kind"]:
                problems.add(
                    "metadata.overlay.step_retyped", here, before=step["kind"], after=value
                )
        elif name == "mandatory":
            if step.get("mandatory") and not value:
                problems.add("metadata.overlay.mandatory_step_dropped", here, step=key)
            else:
                step[name] = value
        elif name == "stops_clock":
            # a stopped clock gives the department more time: only a base may allow it
            if value and not step.get("stops_clock"):
                problems.add(
                    "metadata.overlay.loosens_bound", here, bound=name, before=False, after=True
                )
            else:
                step[name] = value
    if "branches" in patch:
        _patch_branches(step, patch["branches"], pointers.join(pointer, "branches"), problems)
    if "add_branches" in patch:
        _add_branches(
            steps, step, patch["add_branches"], pointers.join(pointer, "add_branches"), problems
        )


def _patch_task(
    task: dict[str, Any], patch: dict[str, Any], pointer: str, problems: Problems
) -> None:
    """What a step and a branch share: labels, assignee, time limit, approval."""
    for name in _TASK_FREE:
        if name in patch:
            task[name] = patch[name]
    if "department" in patch:
        task.pop("implementing_department", None)
        task["department"] = patch["department"]
    if "implementing_department" in patch:
        task["implementing_department"] = patch["implementing_department"]
        if patch["implementing_department"]:
            task.pop("department", None)
    if "time_limit_days" in patch:
        tighten_bound(
            task,
            "time_limit_days",
            patch["time_limit_days"],
            pointers.join(pointer, "time_limit_days"),
            problems,
            lower=False,
        )
    if any(name in patch for name in _APPROVAL):
        _patch_approval(task, patch, pointer, problems)
    if "on_reject" in patch:
        before, after = task.get("on_reject"), patch["on_reject"]
        if before is not None and before != "continue" and after == "continue":
            problems.add(
                "metadata.overlay.weakens_on_reject",
                pointers.join(pointer, "on_reject"),
                before=before,
                after=after,
            )
        else:
            task["on_reject"] = after


def _patch_approval(
    task: dict[str, Any], patch: dict[str, Any], pointer: str, problems: Problems
) -> None:
    """A new mode replaces all its parameters; without one, parameters are merged."""
    if "mode" in patch:
        proposed = {name: patch[name] for name in _APPROVAL if name in patch}
    else:
        proposed = {name: task[name] for name in _APPROVAL if name in task}
        proposed.update({name: patch[name] for name in MODE_PARAMETERS if name in patch})
    first = next(name for name in _APPROVAL if name in patch)
    here = pointers.join(pointer, first)
    try:
        before, after = approval_rule(task), approval_rule(proposed)
    except KeyError as missing:
        problems.add("metadata.step.mode_fields", pointers.join(pointer, str(missing.args[0])))
        return
    if after.weaker_than(before):
        problems.add(
            "metadata.overlay.weakens_mode",
            here,
            before=before.describe(),
            after=after.describe(),
        )
        return
    for name in _APPROVAL:
        task.pop(name, None)
    task.update(proposed)


def _patch_branches(
    step: dict[str, Any], patches: dict[str, Any], pointer: str, problems: Problems
) -> None:
    branches: list[dict[str, Any]] = step.get("branches", [])
    for key, patch in patches.items():
        here = pointers.join(pointer, key)
        branch = _find(branches, key)
        if branch is None:
            problems.add("metadata.overlay.unknown_target", here, key=key)
        else:
            _patch_task(branch, patch, here, problems)


def _add_branches(
    steps: list[dict[str, Any]],
    step: dict[str, Any],
    added: list[dict[str, Any]],
    pointer: str,
    problems: Problems,
) -> None:
    if step["kind"] != "parallel":
        problems.add("metadata.overlay.patch_not_allowed", pointer, property="add_branches")
        return
    taken = {s["key"] for s in steps} | {b["key"] for s in steps for b in s.get("branches", [])}
    for index, branch in enumerate(added):
        here = pointers.join(pointer, index)
        key_pointer = pointers.join(here, "key")
        if not is_local(branch["key"], key_pointer, problems):
            continue
        if branch["key"] in taken:
            problems.add("metadata.overlay.key_exists", key_pointer, key=branch["key"])
            continue
        if fragment_fits("branch", branch, here, problems):
            step["branches"].append(json_copy(branch))
            taken.add(branch["key"])


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
