"""Reading cases back: one case with its timeline, an applicant's list, a staff inbox.

Reads only: nothing here writes or locks. `CasesService` (in `service`) adds
the writes on top of these reads.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

from yiwang.platform.china_time import today_in_china
from yiwang.platform.errors import NotFound
from yiwang.platform.i18n import translate
from yiwang.platform.unit_of_work import UnitOfWork
from yiwang.runtime.cases.repository import CaseRepository
from yiwang.runtime.cases.schemas import (
    CaseSummary,
    CaseView,
    InboxItem,
    TaskView,
    TimelineEntry,
)
from yiwang.runtime.routes.actions import Actor
from yiwang.runtime.routes.state import state_as_json, state_from_json
from yiwang.tenants.tree import TenantTree


class CaseReading:
    uow: UnitOfWork
    tree: TenantTree
    repo: CaseRepository
    clock: Callable[[], datetime]

    async def view(self, code: str, number: str, actor: Actor, *, staff: bool) -> CaseView:
        """A case and its timeline; an applicant sees only their own cases."""
        tenant = self.tree.node(code)
        case = await self.repo.get(tenant.id, number)
        if case is None or (not staff and case.submitter != actor.id):
            # not 403: an applicant may not learn which numbers exist
            raise NotFound("cases.not_found", number=number[:40])
        state = state_from_json(case.state)
        timeline = await self.repo.timeline(tenant.id, case.id)
        certificates = await self.repo.certificates_of(tenant.id, case.id)
        return CaseView(
            number=case.number,
            tenant=tenant.code,
            service_item=case.service_item,
            form=case.form_key,
            route=case.route_key,
            status=case.status,
            version=case.version,
            step=state.step,
            submitter=case.submitter,
            submitted_at=case.submitted_at,
            colour=case.colour,
            statutory_due=case.statutory_due,
            promised_due=case.promised_due,
            tasks=[
                TaskView(t.key, t.step, t.role, t.department, t.assignee) for t in state.open_tasks
            ],
            decision=state_as_json(state).get("decision"),
            certificates=[c.identifier for c in certificates],
            timeline=[
                TimelineEntry(
                    seq=e.seq,
                    kind=e.kind,
                    actor=e.actor,
                    at=e.at,
                    step=e.step,
                    task=e.task,
                    comment=e.comment,
                    attachments=list(e.attachments),
                    data=e.data,
                )
                for e in timeline
            ],
        )

    async def mine(self, code: str, actor: Actor, limit: int = 100) -> list[CaseSummary]:
        """The cases the actor submitted at the tenant, newest first (the applicant's list)."""
        tenant = self.tree.node(code)
        rows = await self.repo.submitted_by(tenant.id, actor.id, min(max(limit, 1), 500))
        return [
            CaseSummary(
                number=c.number,
                service_item=c.service_item,
                form=c.form_key,
                status=c.status,
                submitted_at=c.submitted_at,
                promised_due=c.promised_due,
                record_id=c.record_id,
                colour=c.colour,
            )
            for c in rows
        ]

    async def inbox(
        self,
        code: str,
        actor: Actor,
        limit: int = 100,
        *,
        step: str | None = None,
        department: str | None = None,
        offset: int = 0,
    ) -> list[InboxItem]:
        """The actor's open tasks at the tenant, soonest due first, coloured; `step` and
        `department` narrow them, `offset` skips the first ones (a page's start)."""
        tenant = self.tree.node(code)
        today = today_in_china(self.clock())
        rows = await self.repo.inbox(
            tenant.id,
            sorted(actor.roles),
            actor.department,
            actor.id,
            min(max(limit, 1), 500),
            step=step,
            task_department=department,
            offset=max(offset, 0),
        )
        items = []
        for r in rows:
            colour = task_colour(today, r.due_on) or r.colour
            items.append(
                InboxItem(
                    number=r.number,
                    service_item=r.service_item,
                    status=r.status,
                    task=r.task,
                    step=r.step,
                    role=r.role,
                    department=r.department,
                    opened_at=r.opened_at,
                    due_on=r.due_on,
                    colour=colour,
                    colour_label=translate(f"cases.colour.{colour}") if colour else "",
                    case_promised_due=r.promised_due,
                    form=r.form_key,
                    route=r.route_key,
                )
            )
        return items


def task_colour(today: date, due: date | None) -> str | None:
    if due is None:
        return None
    if today > due:
        return "red"
    return "yellow" if today >= due else "green"
