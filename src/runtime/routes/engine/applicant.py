"""The applicant's own actions: submitting a case, resubmitting it after 补正,
withdrawing it. Only the submitter may resubmit or withdraw
(`routes.applicant_only`); submitting checks the draft step's role.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from yiwang.platform.errors import InvalidInput, PermissionDenied
from yiwang.runtime.routes.actions import Actor, Resubmit, Submit, Withdraw
from yiwang.runtime.routes.engine.run import Run
from yiwang.runtime.routes.engine.steps import advance, open_step
from yiwang.runtime.routes.events import Transition
from yiwang.runtime.routes.spec import RouteSpec
from yiwang.runtime.routes.state import CaseState, RouteRef


def submit(
    spec: RouteSpec,
    action: Submit,
    actor: Actor,
    form: Mapping[str, Any],
    now: datetime,
) -> Transition:
    """The new case: its first state and events (a draft step closes at once)."""
    implementing = action.implementing_department
    if spec.uses_implementing_department and not implementing:
        raise InvalidInput(
            "routes.implementing_department_required", pointer="/implementing_department"
        )
    first = spec.steps[0]
    if first.kind == "draft":
        drafter = first.tasks[0].assignee
        department = drafter.department_for(implementing)
        if drafter.role not in actor.roles or (
            department is not None and actor.department != department
        ):
            raise PermissionDenied(
                "routes.role_required",
                task=first.label,
                role=drafter.role,
                department=department or "—",
            )
    state = CaseState(
        route=RouteRef(document=spec.document, key=spec.key, version=spec.version),
        tenant=actor.tenant,
        submitter=actor.id,
        implementing_department=implementing,
        status="submitted",
        version=0,
        submitted_at=now,
        updated_at=now,
        accepted=not any(s.kind == "accept" for s in spec.steps),
    )
    run = Run(spec, state, actor, form, now)
    run.emit(
        "submitted",
        comment=action.comment,
        attachments=action.attachments,
        clock="started",
        route=spec.key,
        route_version=spec.version,
        implementing_department=implementing,
    )
    if first.kind == "draft":
        run.set(passed=(first.key,), rounds=1)
        run.emit("step_closed", step=first.key, outcome="approved")
        advance(run, 1)
    else:
        advance(run, 0)
    return run.finish()


def resubmit(run: Run, action: Resubmit) -> None:
    if run.actor.id != run.s.submitter:
        raise PermissionDenied("routes.applicant_only")
    supplement = run.s.supplement
    assert supplement is not None
    run.set(supplement=None)
    run.emit(
        "resubmitted",
        step=supplement.resume_step,
        comment=action.comment,
        attachments=action.attachments,
        clock=run.resume_clock("supplement"),
        missing=list(supplement.missing),
    )
    open_step(run, run.spec.step(supplement.resume_step))


def withdraw(run: Run, action: Withdraw) -> None:
    if run.actor.id != run.s.submitter:
        raise PermissionDenied("routes.applicant_only")
    for task in run.s.open_tasks:
        run.emit("task_cancelled", step=task.step, task=task.key)
    run.set(status="withdrawn", step=None, tasks=(), supplement=None)
    run.emit("withdrawn", comment=action.reason, clock=run.end_clock(), reason=action.reason)
