"""The decision and after: 准予 / 不予 with reasons and legal basis, the
post-decision steps (送达, 发证, 公布) up to 办结, and the authority's 撤销 and
变更 of a granted case. Once decided, the decision itself never changes.
"""

from __future__ import annotations

from msgspec.structs import replace

from yiwang.platform.errors import Conflict, InvalidInput
from yiwang.runtime.routes.actions import Change, Complete, Decide, Revoke
from yiwang.runtime.routes.engine.duties import (
    authorize,
    authorize_authority,
    find_task,
    not_voted,
    require_kind,
)
from yiwang.runtime.routes.engine.run import Run
from yiwang.runtime.routes.engine.steps import advance, close_step, close_task, record_decision
from yiwang.runtime.routes.state import OUTCOMES, Decision, Procedure, Vote


def decide(run: Run, action: Decide) -> None:
    task, spec_task = find_task(run, action.task)
    require_kind(run, spec_task, lambda s: s.kind == "decide", "decide")
    authorize(run, task)
    not_voted(run, task)
    if action.outcome not in OUTCOMES:
        raise InvalidInput("routes.outcome_unknown", pointer="/outcome")
    if not action.legal_basis.strip():
        raise InvalidInput("routes.legal_basis_required", pointer="/legal_basis")
    if action.outcome == "refused" and not action.reasons.strip():
        raise InvalidInput("routes.reasons_required", pointer="/reasons")
    approve = action.outcome == "approved"
    task = replace(task, votes=(*task.votes, Vote(run.actor.id, approve, run.now)))
    close_task(run, task, "approved" if approve else "rejected", action.reasons, action.attachments)
    close_step(run, action.outcome, passed=True)
    record_decision(
        run, action.outcome, action.reasons, action.legal_basis, step=task.step, automatic=False
    )
    advance(run, run.spec.index(task.step) + 1)


def complete(run: Run, action: Complete) -> None:
    task, spec_task = find_task(run, action.task)
    require_kind(run, spec_task, lambda s: s.post_decision, "complete")
    authorize(run, task)
    task = replace(task, votes=(Vote(run.actor.id, True, run.now),))
    close_task(run, task, "approved", action.comment, action.attachments)
    close_step(run, "approved", passed=True)
    advance(run, run.spec.index(task.step) + 1)


def _granted(run: Run, code: str) -> Decision:
    decision = run.s.decision
    if decision is None or decision.outcome != "approved":
        raise Conflict(code)
    return decision


def revoke(run: Run, action: Revoke) -> None:
    _granted(run, "routes.nothing_to_revoke")
    authorize_authority(run)
    if not action.reasons.strip():
        raise InvalidInput("routes.reasons_required", pointer="/reasons")
    if not action.legal_basis.strip():
        raise InvalidInput("routes.legal_basis_required", pointer="/legal_basis")
    for task in run.s.open_tasks:
        run.emit("task_cancelled", step=task.step, task=task.key)
    procedure = Procedure(
        kind="revoke",
        by=run.actor.id,
        at=run.now,
        reasons=action.reasons,
        legal_basis=action.legal_basis,
    )
    run.set(status="revoked", step=None, tasks=(), procedures=(*run.s.procedures, procedure))
    run.emit(
        "revoked",
        comment=action.reasons,
        reasons=action.reasons,
        legal_basis=action.legal_basis,
    )


def change(run: Run, action: Change) -> None:
    _granted(run, "routes.nothing_to_change")
    authorize_authority(run)
    if not action.changes:
        raise InvalidInput("routes.changes_required", pointer="/changes")
    if not action.reasons.strip():
        raise InvalidInput("routes.reasons_required", pointer="/reasons")
    procedure = Procedure(
        kind="change",
        by=run.actor.id,
        at=run.now,
        reasons=action.reasons,
        legal_basis=action.legal_basis,
        changes=dict(action.changes),
    )
    run.set(procedures=(*run.s.procedures, procedure))
    run.emit(
        "changed",
        comment=action.reasons,
        changes=dict(action.changes),
        reasons=action.reasons,
        legal_basis=action.legal_basis,
    )
