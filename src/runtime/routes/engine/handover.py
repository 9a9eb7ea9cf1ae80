"""Handing a task on without voting: returning the case to an earlier review
step, transferring the task to another department (before anyone voted),
delegating it to one person (single-seat tasks only, never the applicant).
"""

from __future__ import annotations

from msgspec.structs import replace

from yiwang.platform.errors import Conflict, InvalidInput, PermissionDenied
from yiwang.runtime.routes.actions import Delegate, Return, Transfer
from yiwang.runtime.routes.engine.duties import authorize, find_task, require_kind
from yiwang.runtime.routes.engine.run import Run
from yiwang.runtime.routes.engine.steps import close_step, reopen, replace_task, return_targets


def return_(run: Run, action: Return) -> None:
    if not action.comment.strip():
        raise InvalidInput("routes.reasons_required", pointer="/comment")
    task, spec_task = find_task(run, action.task)
    require_kind(run, spec_task, lambda s: s.voting or s.kind == "decide", "return")
    authorize(run, task)
    if action.to not in return_targets(run, run.spec.index(task.step)):
        raise InvalidInput("routes.return_target_invalid", pointer="/to", to=action.to[:64])
    close_step(run, "returned", passed=False)
    run.emit("returned", step=task.step, task=task.key, comment=action.comment, to=action.to)
    reopen(run, action.to)


def transfer(run: Run, action: Transfer) -> None:
    task, _ = find_task(run, action.task)
    authorize(run, task)
    if task.votes:
        raise Conflict("routes.transfer_after_votes", task=run.spec.task(task.key).label)
    if action.department == task.department:
        raise InvalidInput("routes.transfer_same_department", pointer="/department")
    replace_task(run, replace(task, department=action.department, assignee=None))
    run.emit(
        "transferred",
        step=task.step,
        task=task.key,
        comment=action.comment,
        to=action.department,
        previous=task.department,
    )


def delegate(run: Run, action: Delegate) -> None:
    task, spec_task = find_task(run, action.task)
    authorize(run, task)
    if spec_task.approval.seats > 1:
        raise InvalidInput("routes.delegate_multi", task=spec_task.label)
    if action.to == run.actor.id:
        raise InvalidInput("routes.delegate_to_self", pointer="/to")
    if action.to == run.s.submitter:
        raise PermissionDenied("routes.delegate_to_applicant")
    replace_task(run, replace(task, assignee=action.to))
    run.emit("delegated", step=task.step, task=task.key, comment=action.comment, to=action.to)
