"""Acceptance (受理): accept, not accept, or ask once for a supplement
(一次性告知, `routes.supplement_once`), which stops the clock until the
applicant resubmits.
"""

from __future__ import annotations

from msgspec.structs import replace

from yiwang.platform.errors import Conflict, InvalidInput
from yiwang.runtime.routes.actions import Accept, NotAccept, RequestSupplement
from yiwang.runtime.routes.engine.duties import authorize, find_task, require_kind
from yiwang.runtime.routes.engine.run import Run
from yiwang.runtime.routes.engine.steps import advance, close_step, close_task
from yiwang.runtime.routes.state import Supplement, TaskState, Vote


def _acceptance_task(run: Run, name: str) -> TaskState:
    task, spec_task = find_task(run, None)
    require_kind(run, spec_task, lambda s: s.kind == "accept", name)
    authorize(run, task)
    return task


def accept(run: Run, action: Accept) -> None:
    task = _acceptance_task(run, "accept")
    task = replace(task, votes=(Vote(run.actor.id, True, run.now),))
    close_task(run, task, "approved", action.comment, action.attachments)
    run.set(accepted=True)
    run.emit("accepted", step=task.step, comment=action.comment)
    close_step(run, "approved", passed=True)
    advance(run, run.spec.index(task.step) + 1)


def not_accept(run: Run, action: NotAccept) -> None:
    if not action.reason.strip():
        raise InvalidInput("routes.reason_required", pointer="/reason")
    task = _acceptance_task(run, "not_accept")
    task = replace(task, votes=(Vote(run.actor.id, False, run.now),))
    close_task(run, task, "rejected")
    close_step(run, "not_accepted", passed=False)
    run.emit(
        "not_accepted",
        step=task.step,
        comment=action.reason,
        clock=run.end_clock(),
        reason=action.reason,
        legal_basis=action.legal_basis,
    )
    run.set(status="not_accepted", step=None)


def request_supplement(run: Run, action: RequestSupplement) -> None:
    missing = tuple(m.strip() for m in action.missing if m.strip())
    if not missing:
        raise InvalidInput("routes.missing_required", pointer="/missing")
    task = _acceptance_task(run, "request_supplement")
    if run.s.acceptance_supplements >= 1:
        raise Conflict("routes.supplement_once")
    close_step(run, "supplement_requested", passed=False)
    run.set(
        supplement=Supplement(
            missing=missing,
            comment=action.comment,
            by=run.actor.id,
            at=run.now,
            at_acceptance=True,
            resume_step=task.step,
        ),
        acceptance_supplements=run.s.acceptance_supplements + 1,
    )
    run.emit(
        "supplement_requested",
        step=task.step,
        comment=action.comment,
        clock=run.stop_clock("supplement"),
        missing=list(missing),
        at_acceptance=True,
    )
