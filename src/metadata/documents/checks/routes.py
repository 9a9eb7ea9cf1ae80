"""Approval routes: steps in order, tasks with known modes, limits within the law."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, Final

from yiwang.metadata.documents import pointers
from yiwang.metadata.documents.approvals import MODES
from yiwang.metadata.documents.checks.fields import condition_errors
from yiwang.metadata.documents.shapes import Document
from yiwang.platform.errors import ErrorDetail


def document_route_errors(document: Document, pointer: str) -> Iterator[ErrorDetail]:
    fields: Mapping[str, Any] = document["fields"]
    for route_key, route in document.get("routes", {}).items():
        yield from route_errors(route, fields, pointers.join(pointer, "routes", route_key))


#: steps whose tasks are decided by votes (approve / reject) and so take a mode
REVIEW_KINDS: Final = frozenset({"review", "consult", "special"})
#: steps that come after the decision: delivering it, publishing a list
POST_DECISION_KINDS: Final = frozenset({"issue", "publish"})
#: steps at most one of which a route may have, never conditional
_SINGULAR_KINDS: Final = ("draft", "accept", "decide")
#: the modes each kind of task may take (absent: single only)
_MODES_FOR_KIND: Final[Mapping[str, frozenset[str]]] = {
    **{kind: frozenset(MODES) for kind in REVIEW_KINDS},
    "branch": frozenset(MODES),
    "decide": frozenset({"single", "any"}),
}


def route_errors(
    route: Mapping[str, Any], fields: Mapping[str, Any], pointer: str
) -> Iterator[ErrorDetail]:
    """The rules of one route that passed the meta-schema.

    Order: an optional draft first, then acceptance and reviews in any order,
    at most one decision after all of them, then the post-decision steps. A
    rejection that returns to the previous step needs an unconditional review
    step before it and after the acceptance. Step and branch keys are unique across the route, since
    tasks are addressed by them.
    """
    statutory = route.get("statutory_days")
    promised = route.get("promised_days")
    if statutory is not None and promised is not None and promised > statutory:
        yield ErrorDetail(
            "metadata.route.promise_exceeds_statutory",
            pointers.join(pointer, "promised_days"),
            {"promised": promised, "statutory": statutory},
        )
    seen: set[str] = set()
    kinds_seen: set[str] = set()
    reviewed = False  # an unconditional review-like step came before
    for index, step in enumerate(route["steps"]):
        at = pointers.join(pointer, "steps", index)
        kind = step["kind"]
        for key, key_at in _task_keys(step, at):
            if key in seen:
                yield ErrorDetail("metadata.route.step_duplicate", key_at, {"key": key})
            seen.add(key)
        yield from _step_order(step, index, kinds_seen, at)
        kinds_seen.add(kind)
        if "when" in step:
            yield from condition_errors(step["when"], pointers.join(at, "when"), fields)
            if kind in _SINGULAR_KINDS:
                yield ErrorDetail(
                    "metadata.route.condition_not_allowed",
                    pointers.join(at, "when"),
                    {"step": step["key"]},
                )
        tasks = [
            (branch, pointers.join(at, "branches", b), "branch")
            for b, branch in enumerate(step.get("branches", []))
        ]
        tasks = tasks or [(step, at, kind)]
        for task, task_at, task_kind in tasks:
            yield from _approval(task, task_kind, task_at)
            if task.get("on_reject") == "return_to_previous" and not reviewed:
                yield ErrorDetail(
                    "metadata.route.nothing_to_return_to",
                    pointers.join(task_at, "on_reject"),
                    {"step": task["key"]},
                )
        if (kind in REVIEW_KINDS or kind == "parallel") and "when" not in step:
            reviewed = True
        elif kind == "accept":
            reviewed = False  # a case is never returned to before its acceptance


def _task_keys(step: Mapping[str, Any], at: str) -> Iterator[tuple[str, str]]:
    yield step["key"], pointers.join(at, "key")
    for index, branch in enumerate(step.get("branches", [])):
        yield branch["key"], pointers.join(at, "branches", index, "key")


def _step_order(
    step: Mapping[str, Any], index: int, before: set[str], at: str
) -> Iterator[ErrorDetail]:
    kind = step["kind"]
    if kind in _SINGULAR_KINDS and kind in before:
        yield ErrorDetail("metadata.route.kind_repeated", pointers.join(at, "kind"), {"kind": kind})
    misplaced = (
        (kind == "draft" and index > 0)
        or (kind not in POST_DECISION_KINDS and bool(before & POST_DECISION_KINDS))
        or (kind not in POST_DECISION_KINDS and kind != "decide" and "decide" in before)
    )
    if misplaced:
        yield ErrorDetail(
            "metadata.route.step_order",
            pointers.join(at, "kind"),
            {"step": step["key"], "kind": kind},
        )


def _approval(task: Mapping[str, Any], kind: str, at: str) -> Iterator[ErrorDetail]:
    mode = task.get("mode", "single")
    if mode not in _MODES_FOR_KIND.get(kind, frozenset({"single"})):
        yield ErrorDetail(
            "metadata.route.mode_for_kind",
            pointers.join(at, "mode"),
            {"mode": mode, "kind": kind},
        )
    if "n" in task and "approvers" in task and task["n"] > task["approvers"]:
        yield ErrorDetail(
            "metadata.route.n_exceeds_approvers",
            pointers.join(at, "n"),
            {"n": task["n"], "approvers": task["approvers"]},
        )
    if "on_reject" in task and kind not in REVIEW_KINDS and kind != "branch":
        yield ErrorDetail(
            "metadata.route.on_reject_for_kind", pointers.join(at, "on_reject"), {"kind": kind}
        )
