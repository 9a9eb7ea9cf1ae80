"""Refused case actions go on the audit trail, and nothing else changes.

The engine refuses before anything is written (a role it does not hold, a
step not active, a task already closed, a case someone else submitted), and
the request's unit of work then rolls back, taking any record written in it
along. So `act_audited` writes the refusal in a transaction of its own
(`UnitOfWork.independent`), in the request's tenant scope, and raises the
refusal unchanged: `outcome=denied` when the actor may not do this
(`PermissionDenied`), `failure` when the case's state does not allow it
(`Conflict`, `InvalidInput`, `NotFound`).
"""

from __future__ import annotations

from typing import Any, Final

from yiwang.platform import audit
from yiwang.platform.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from yiwang.runtime.cases.schemas import OpenedCase
from yiwang.runtime.cases.service import CasesService
from yiwang.runtime.routes.actions import Action, Actor

#: the refusals that are the actor's or the case's, never the platform's own trouble
REFUSALS: Final = (PermissionDenied, Conflict, InvalidInput, NotFound)


async def act_audited(
    cases: CasesService, code: str, number: str, action: Action, actor: Actor
) -> OpenedCase:
    """`cases.act`, with a refusal written to the audit trail before it is raised."""
    try:
        return await cases.act(code, number, action, actor)
    except REFUSALS as exc:
        await record_refusal(cases, code, number, action, actor, exc)
        raise


async def record_refusal(
    cases: CasesService,
    code: str,
    number: str,
    action: Action,
    actor: Actor,
    exc: PermissionDenied | Conflict | InvalidInput | NotFound,
) -> None:
    uow = cases.uow
    name = str(type(action).__struct_config__.tag)
    detail: dict[str, Any] = {
        "code": exc.code,
        "account": actor.id,
        "roles": sorted(actor.roles),
        "department": actor.department,
    }
    task = getattr(action, "task", None)
    if task is not None:
        detail["task"] = str(task)[:64]
    async with uow.independent(uow.scope) as session:
        await audit.record(
            session,
            actor=uow.actor,
            action=f"case.{name}",
            object_type="case",
            object_id=number[:40],
            tenant_id=cases.tree.node(code).id,
            outcome="denied" if isinstance(exc, PermissionDenied) else "failure",
            detail=detail,
        )
