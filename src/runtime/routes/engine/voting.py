"""Votes on review-like tasks and what the approval modes make of them.

A task passes with `approval.needed` approvals and closes as rejected after
`approval.rejections_to_close` (the numbers `single`, `any`, `all` and
`n_of_m` stand for); a rejection that closes it does what the task's
`on_reject` declares: decide the case 不予, return to the previous review,
return to the applicant, or nothing (an advisory opinion).
"""

from __future__ import annotations

from typing import Any

from msgspec.structs import replace

from yiwang.platform.errors import Conflict, InvalidInput
from yiwang.runtime.routes.actions import Approve, Reject
from yiwang.runtime.routes.engine.duties import authorize, find_task, not_voted, require_kind
from yiwang.runtime.routes.engine.run import Run
from yiwang.runtime.routes.engine.steps import (
    advance,
    close_step,
    close_task,
    join,
    record_decision,
    reopen,
    replace_task,
    return_targets,
)
from yiwang.runtime.routes.spec import TaskSpec
from yiwang.runtime.routes.state import Supplement, TaskOutcome, TaskState, Vote


def _voting_task(run: Run, key: str | None, name: str) -> tuple[TaskState, TaskSpec]:
    task, spec_task = find_task(run, key)
    require_kind(run, spec_task, lambda s: s.voting, name)
    authorize(run, task)
    not_voted(run, task)
    return task, spec_task


def approve(run: Run, action: Approve) -> None:
    task, spec_task = _voting_task(run, action.task, "approve")
    _vote(run, task, spec_task, True, action.comment, action.attachments, action)


def reject(run: Run, action: Reject) -> None:
    if not action.comment.strip():
        raise InvalidInput("routes.reasons_required", pointer="/comment")
    task, spec_task = _voting_task(run, action.task, "reject")
    if spec_task.on_reject == "reject_case" and not action.legal_basis.strip():
        raise InvalidInput("routes.legal_basis_required", pointer="/legal_basis")
    _vote(run, task, spec_task, False, action.comment, action.attachments, action)


def _vote(
    run: Run,
    task: TaskState,
    spec_task: TaskSpec,
    approve: bool,
    comment: str,
    attachments: tuple[str, ...],
    action: Approve | Reject,
) -> None:
    task = replace(task, votes=(*task.votes, Vote(run.actor.id, approve, run.now)))
    rule = spec_task.approval
    outcome: TaskOutcome | None = None
    if task.approvals >= rule.needed:
        outcome = "approved"
    elif task.rejections >= rule.rejections_to_close:
        outcome = "rejected"
    extra: dict[str, Any] = {}
    if isinstance(action, Reject):
        extra = {"legal_basis": action.legal_basis, "missing": list(action.missing)}
    run.emit(
        "approved" if approve else "rejected",
        step=task.step,
        task=task.key,
        comment=comment,
        attachments=attachments,
        approvals=task.approvals,
        rejections=task.rejections,
        needed=rule.needed,
        rejections_to_close=rule.rejections_to_close,
        **extra,
    )
    replace_task(run, task)
    if outcome is None:
        return
    close_task(run, task, outcome)
    if outcome == "rejected" and spec_task.on_reject != "continue":
        assert isinstance(action, Reject)
        _rejected(run, spec_task, action)
    else:
        join(run)


def _rejected(run: Run, spec_task: TaskSpec, action: Reject) -> None:
    """The task closed as rejected: do what the route declared for it."""
    step = run.spec.step(spec_task.step)
    if spec_task.on_reject == "reject_case":
        close_step(run, "rejected", passed=True)
        record_decision(
            run, "refused", action.comment, action.legal_basis, step=step.key, automatic=False
        )
        advance(run, run.spec.post_decision_start)
    elif spec_task.on_reject == "return_to_previous":
        targets = return_targets(run, run.spec.index(step.key))
        if not targets:
            raise Conflict("routes.nothing_to_return_to", step=step.label)
        close_step(run, "returned", passed=False)
        run.emit(
            "returned", step=step.key, task=spec_task.key, comment=action.comment, to=targets[0]
        )
        reopen(run, targets[0])
    else:  # return_to_applicant
        close_step(run, "returned", passed=False)
        run.set(
            supplement=Supplement(
                missing=action.missing,
                comment=action.comment,
                by=run.actor.id,
                at=run.now,
                at_acceptance=False,
                resume_step=step.key,
            )
        )
        run.emit(
            "supplement_requested",
            step=step.key,
            task=spec_task.key,
            comment=action.comment,
            clock=run.stop_clock("supplement"),
            missing=list(action.missing),
            at_acceptance=False,
        )
