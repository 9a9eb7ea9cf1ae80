"""Cases: open a case from an application, apply the engine's transitions, read them back.

Every change runs in the caller's unit of work: the case row (compare-and-set
on its version, after a row lock so racing approvers queue), one timeline row
and one outbox row per engine event, the open tasks (the inbox), the
deadlines and one audit record: all or nothing. The engine refuses what the
actor's role or the case's state does not allow, before anything is written.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any, Final

from sqlalchemy.exc import IntegrityError

from yiwang.metadata.versions.model_cache import ModelCache
from yiwang.platform.errors import Conflict, NotFound
from yiwang.platform.i18n import translate
from yiwang.platform.unit_of_work import UnitOfWork
from yiwang.runtime.cases import deadlines
from yiwang.runtime.cases.certificates import CaseCertificates
from yiwang.runtime.cases.deadlines import CHINA, Deadlines, today_in_china
from yiwang.runtime.cases.models import Case
from yiwang.runtime.cases.numbering import case_number
from yiwang.runtime.cases.repository import CaseRepository
from yiwang.runtime.cases.schemas import (
    Application,
    CaseSummary,
    CaseView,
    InboxItem,
    OpenedCase,
    TaskView,
    TimelineEntry,
)
from yiwang.runtime.routes.actions import Action, Actor, Submit, action_name
from yiwang.runtime.routes.engine import apply
from yiwang.runtime.routes.events import Event, Transition, event_as_json
from yiwang.runtime.routes.spec import RouteSpec, effective_route, parse_route
from yiwang.runtime.routes.state import CaseState, state_as_json, state_from_json
from yiwang.tenants.calendars.service import Calendars
from yiwang.tenants.tree import TenantNode, TenantTree

#: events per transition stay far below this; timeline seq = version * SEQ_STRIDE + index
SEQ_STRIDE: Final = 1000
_SPEC_CACHE_SIZE: Final = 256


class RouteSpecs:
    """Specs rebuilt from stored definitions, once per route version per process."""

    def __init__(self) -> None:
        self._specs: OrderedDict[tuple[str, str, str], RouteSpec] = OrderedDict()

    def for_case(self, case: Case) -> RouteSpec:
        key = (case.form_key, case.route_key, case.route_version)
        found = self._specs.get(key)
        if found is None:
            found = parse_route(case.form_key, case.route_key, case.route_definition)
            self._specs[key] = found
            if len(self._specs) > _SPEC_CACHE_SIZE:
                self._specs.popitem(last=False)
        else:
            self._specs.move_to_end(key)
        return found


class CasesService:
    def __init__(
        self,
        uow: UnitOfWork,
        tree: TenantTree,
        models: ModelCache,
        specs: RouteSpecs,
        *,
        warning_days: int = 1,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        certificates: CaseCertificates | None = None,
    ) -> None:
        self.certificates = certificates
        self.uow = uow
        self.tree = tree
        self.models = models
        self.specs = specs
        self.repo = CaseRepository(uow.session)
        self.warning_days = warning_days
        self.clock = clock

    # opening -------------------------------------------------------------------
    async def open(self, code: str, application: Application, actor: Actor) -> OpenedCase:
        """Open a case from an application: number, first transition, timeline, outbox.

        A second submission of the same record is refused (`cases.already_submitted`)
        and, racing, loses on the unique index: its transaction then rolls back
        with its serial, so the day's numbers stay gapless.
        """
        tenant = self.tree.node(code)
        model = await self.models.effective(self.uow.session, self.tree, code)
        if application.form not in model.documents:
            raise NotFound("cases.form_unknown", pointer="/form", form=application.form[:64])
        spec = effective_route(model, application.form, application.route)
        return await self.open_on(tenant, spec, application, actor)

    async def open_on(
        self, tenant: TenantNode, spec: RouteSpec, application: Application, actor: Actor
    ) -> OpenedCase:
        """Open a case on a given route spec (`open` resolves it from the effective model)."""
        if application.record_id is not None:
            existing = await self.repo.by_record(tenant.id, application.record_id)
            if existing is not None:
                raise Conflict(
                    "cases.already_submitted",
                    record=application.record_id,
                    number=existing.number,
                )
        now = self.clock()
        today = today_in_china(now)
        submit = Submit(
            implementing_department=application.implementing_department,
            comment=application.comment,
            attachments=application.attachments,
        )
        transition = apply(spec, None, submit, actor, application.data, now)
        calendar = await self._calendar(tenant, today)
        clock = deadlines.start(
            calendar, today, spec.statutory_days, spec.promised_days, self.warning_days
        )
        serial = await self.repo.next_serial(tenant.id, today)
        number = case_number(application.implementing_code or tenant.code, today, serial)
        state = transition.state
        try:
            async with self.uow.session.begin_nested():
                case_id = await self.repo.add(
                    {
                        "tenant_id": tenant.id,
                        "number": number,
                        "record_id": application.record_id,
                        "service_item": application.service_item,
                        "issuer_name": application.issuer_name,
                        "issuer_code": application.issuer_code,
                        "form_key": spec.document,
                        "route_key": spec.key,
                        "route_version": spec.version,
                        "route_definition": dict(spec.definition),
                        "form_data": application.data,
                        "state": state_as_json(state),
                        "version": state.version,
                        "status": state.status,
                        "submitter": state.submitter,
                        "submitted_at": now,
                        "updated_at": now,
                        **_deadline_columns(clock),
                    }
                )
        except IntegrityError:
            raise Conflict(
                "cases.already_submitted", record=application.record_id, number="—"
            ) from None
        await self._record(tenant, case_id, number, spec, None, transition, calendar, today)
        return OpenedCase(number=number, status=state.status, version=state.version)

    # transitions -----------------------------------------------------------------
    async def act(self, code: str, number: str, action: Action, actor: Actor) -> OpenedCase:
        """Apply one action; a refusal raises before anything is written."""
        tenant = self.tree.node(code)
        case = await self.repo.get(tenant.id, number, lock=True)
        if case is None:
            raise NotFound("cases.not_found", number=number[:40])
        spec = self.specs.for_case(case)
        before = state_from_json(case.state)
        now = self.clock()
        transition = apply(spec, before, action, actor, case.form_data, now)
        today = today_in_china(now)
        calendar = await self._calendar(tenant, today)
        clock = _clock_after(
            before, transition.state, _deadlines_of(case), calendar, today, self.warning_days
        )
        state = transition.state
        stored = await self.repo.update(
            tenant.id,
            case.id,
            before.version,
            {
                "state": state_as_json(state),
                "version": state.version,
                "status": state.status,
                "updated_at": now,
                **_deadline_columns(clock),
            },
        )
        if not stored:
            raise Conflict("cases.concurrent_update", number=number)
        await self._record(tenant, case.id, number, spec, before, transition, calendar, today)
        if (
            self.certificates is not None
            and state.status == "completed"
            and before.status != "completed"
            and state.decision is not None
            and state.decision.outcome == "approved"
        ):
            await self.certificates.issue_for(code, case, state.version, now)
        return OpenedCase(number=number, status=state.status, version=state.version)

    async def resubmit_data(self, code: str, number: str, data: Mapping[str, Any]) -> None:
        """Replace the form data snapshot (the corrections of a 补正), before resubmitting."""
        tenant = self.tree.node(code)
        case = await self.repo.get(tenant.id, number, lock=True)
        if case is None:
            raise NotFound("cases.not_found", number=number[:40])
        await self.repo.update(tenant.id, case.id, case.version, {"form_data": dict(data)})

    async def _record(
        self,
        tenant: TenantNode,
        case_id: int,
        number: str,
        spec: RouteSpec,
        before: CaseState | None,
        transition: Transition,
        calendar: Any,
        today: date,
    ) -> None:
        state = transition.state
        base = state.version * SEQ_STRIDE
        events = [event_as_json(e) for e in transition.events]
        await self.repo.append_events(
            [
                _timeline_row(tenant.id, case_id, base + i, e)
                for i, e in enumerate(transition.events)
            ]
        )
        await self.repo.append_outbox(
            [
                {
                    "tenant_id": tenant.id,
                    "case_id": case_id,
                    "kind": f"case.{e['kind']}",
                    "payload": {"number": number, "tenant": tenant.code, "event": e},
                    "created_at": transition.events[i].at,
                }
                for i, e in enumerate(events)
            ]
        )
        await self.repo.replace_tasks(
            tenant.id,
            case_id,
            [
                {
                    "tenant_id": tenant.id,
                    "case_id": case_id,
                    "task": t.key,
                    "step": t.step,
                    "role": t.role,
                    "department": t.department,
                    "assignee": t.assignee,
                    "opened_at": t.opened_at,
                    "due_on": deadlines.task_due(
                        calendar,
                        today_in_china(t.opened_at),
                        _task_limit(spec, t.key, t.step),
                    ),
                }
                for t in state.open_tasks
            ],
        )
        name = transition.events[0].kind if before is None else _action_of(transition)
        await self.uow.audit(
            action=f"case.{name}",
            object_type="case",
            object_id=number,
            tenant_id=tenant.id,
            detail={
                "from": before.status if before else None,
                "to": state.status,
                "version": state.version,
                "events": [e.kind for e in transition.events],
            },
        )

    async def _calendar(self, tenant: TenantNode, today: date) -> Any:
        return await Calendars(self.uow, self.tree).working_calendar(
            tenant.code,
            today - timedelta(days=deadlines.HORIZON_DAYS),
            today + timedelta(days=deadlines.HORIZON_DAYS),
        )

    # reading ---------------------------------------------------------------------
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
            )
            for c in rows
        ]

    async def inbox(self, code: str, actor: Actor, limit: int = 100) -> list[InboxItem]:
        """The actor's open tasks at the tenant, soonest due first, coloured."""
        tenant = self.tree.node(code)
        today = today_in_china(self.clock())
        rows = await self.repo.inbox(
            tenant.id, sorted(actor.roles), actor.department, actor.id, min(max(limit, 1), 500)
        )
        items = []
        for r in rows:
            colour = _task_colour(today, r.due_on) or r.colour
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
                )
            )
        return items


def _task_colour(today: date, due: date | None) -> str | None:
    if due is None:
        return None
    if today > due:
        return "red"
    return "yellow" if today >= due else "green"


def _task_limit(spec: RouteSpec, task: str, step: str) -> int | None:
    found = spec.task(task).time_limit_days if spec.has_task(task) else None
    return found if found is not None else spec.step(step).time_limit_days


def _action_of(transition: Transition) -> str:
    # the first event names what the actor did (approved, rejected, accepted ...)
    return transition.events[0].kind if transition.events else "noop"


def _timeline_row(tenant_id: int, case_id: int, seq: int, event: Event) -> dict[str, Any]:
    return {
        "tenant_id": tenant_id,
        "case_id": case_id,
        "seq": seq,
        "kind": event.kind,
        "actor": event.actor,
        "at": event.at,
        "step": event.step,
        "task": event.task,
        "comment": event.comment,
        "attachments": list(event.attachments),
        "data": {**event_as_json(event)["data"], **({"clock": event.clock} if event.clock else {})},
    }


def _deadlines_of(case: Case) -> Deadlines:
    return Deadlines(
        statutory_due=case.statutory_due,
        promised_due=case.promised_due,
        statutory_left=case.statutory_left,
        promised_left=case.promised_left,
        warn_on=case.warn_on,
        colour=case.colour,  # type: ignore[arg-type]
        next_check=case.next_check,
    )


def _deadline_columns(d: Deadlines) -> dict[str, Any]:
    return {
        "statutory_due": d.statutory_due,
        "promised_due": d.promised_due,
        "statutory_left": d.statutory_left,
        "promised_left": d.promised_left,
        "warn_on": d.warn_on,
        "colour": d.colour,
        "next_check": d.next_check,
    }


def _clock_after(
    before: CaseState,
    after: CaseState,
    current: Deadlines,
    calendar: Any,
    today: date,
    warning_days: int,
) -> Deadlines:
    """The deadlines once the transition's clock effect is applied."""
    if after.clock == "ended":
        return Deadlines(colour=current.colour)
    if before.clock == "running" and after.clock == "stopped":
        return deadlines.stop(calendar, today, current)
    if before.clock == "stopped" and after.clock == "running":
        return deadlines.resume(calendar, today, current, warning_days)
    return current


__all__ = ["CHINA", "CasesService", "RouteSpecs", "action_name", "today_in_china"]
