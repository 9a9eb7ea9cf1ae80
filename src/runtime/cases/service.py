"""Cases: open a case from an application and apply the engine's transitions.

Every change runs in the caller's unit of work: the case row (compare-and-set
on its version, after a row lock so racing approvers queue), one timeline row
and one outbox row per engine event, the open tasks (the inbox), the
deadlines and one audit record: all or nothing. The engine refuses what the
actor's role or the case's state does not allow, before anything is written.

What a change writes is one statement (`CaseRepository.open_case`,
`store_transition`); its audit record goes with the unit's others just before
COMMIT. An application's case (`open(closing=True)`) goes with them: the case
statement, the audit append and COMMIT in one round trip (`UnitOfWork.close_with`).
The working calendar is needed only when a deadline or a task's due day must be
computed, and comes from the process's `CalendarCache` when given.
Reading cases back is `reading.CaseReading`; the rows a transition writes are
built in `rows`. The attachments a case names (its form data's files, an action's
keys) are checked first (`attached`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any

import msgspec
from sqlalchemy.exc import IntegrityError

from yiwang.metadata.resolution.resolve import EffectiveModel
from yiwang.metadata.versions.model_cache import ModelCache
from yiwang.platform.china_time import today_in_china
from yiwang.platform.errors import Conflict, NotFound
from yiwang.platform.unit_of_work import UnitOfWork
from yiwang.runtime.cases import attached, deadlines, rows
from yiwang.runtime.cases.attached import AttachmentKeys
from yiwang.runtime.cases.certificates import CaseCertificates
from yiwang.runtime.cases.numbering import number_prefix
from yiwang.runtime.cases.reading import CaseReading
from yiwang.runtime.cases.repository import CaseRepository, NewCase
from yiwang.runtime.cases.schemas import Application, OpenedCase, PendingAnswer
from yiwang.runtime.cases.specs import RouteSpecs
from yiwang.runtime.routes.actions import Action, Actor, Resubmit, Submit, action_name
from yiwang.runtime.routes.engine import apply
from yiwang.runtime.routes.events import Transition
from yiwang.runtime.routes.spec import RouteSpec, effective_route
from yiwang.runtime.routes.state import CaseState, state_as_json, state_from_json
from yiwang.tenants.calendars.cache import CalendarCache
from yiwang.tenants.calendars.service import Calendars
from yiwang.tenants.calendars.workdays import WorkingCalendar
from yiwang.tenants.tree import TenantNode, TenantTree

SEQ_STRIDE = rows.SEQ_STRIDE


class CasesService(CaseReading):
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
        calendars: CalendarCache | None = None,
        attachments: AttachmentKeys | None = None,
    ) -> None:
        self.certificates = certificates
        #: the process's working calendars (None: read on every use)
        self.calendars = calendars
        #: checks the attachments a case names (none given: every one is refused)
        self.attachments = attachments
        self.uow = uow
        self.tree = tree
        self.models = models
        self.specs = specs
        self.repo = CaseRepository(uow.session)
        self.warning_days = warning_days
        self.clock = clock

    # opening -------------------------------------------------------------------
    async def open(
        self,
        code: str,
        application: Application,
        actor: Actor,
        *,
        answer: PendingAnswer | None = None,
        model: EffectiveModel | None = None,
        closing: bool = False,
    ) -> OpenedCase:
        """Open a case from an application: number, first transition, timeline, outbox.

        A second submission of the same record is refused (`cases.already_submitted`)
        and, racing, loses on the unique index: its transaction then rolls back
        with its serial, so the day's numbers stay gapless. With `answer`, the
        request's idempotent answer is stored by the same statement, with the case.
        `model` is `code`'s effective model when the caller already holds it (the
        application was just validated against it): it is not looked up again.
        `closing`: the case is the unit's last statement, sent with its closing audit
        append and COMMIT (see `open_on`); the unit is committed when this returns.
        """
        tenant = self.tree.node(code)
        if model is None:
            model = await self.models.effective(self.uow.session, self.tree, code)
        if application.form not in model.documents:
            raise NotFound("cases.form_unknown", pointer="/form", form=application.form[:64])
        spec = effective_route(model, application.form, application.route)
        data = await attached.checked(
            self.attachments,
            tenant.id,
            application.form,
            model.documents[application.form],
            owner_account_id=self.uow.account_id,
            data=application.data,
            keys=application.attachments,
        )
        assert data is not None
        application = msgspec.structs.replace(application, data=data)
        return await self.open_on(tenant, spec, application, actor, answer=answer, closing=closing)

    async def open_on(
        self,
        tenant: TenantNode,
        spec: RouteSpec,
        application: Application,
        actor: Actor,
        *,
        answer: PendingAnswer | None = None,
        closing: bool = False,
    ) -> OpenedCase:
        """Open a case on a given route spec (`open` resolves it from the effective model).

        With `closing`, the case's statement ends the unit (`UnitOfWork.close_with`): it goes
        in one round trip with the audit append and the COMMIT, so the day's counter row it
        locks is held for server time only; the audit record's number is read on the server.
        Where that does not apply (the statement not yet prepared on the connection, a
        savepoint open), the case is opened as without it and the unit ends as usual."""
        now = self.clock()
        today = today_in_china(now)
        submit = Submit(
            implementing_department=application.implementing_department,
            comment=application.comment,
            attachments=application.attachments,
        )
        transition = apply(spec, None, submit, actor, application.data, now)
        prefix = number_prefix(application.implementing_code or tenant.code, today)
        calendar = await self._calendar(tenant, today)
        clock = deadlines.start(
            calendar, today, spec.statutory_days, spec.promised_days, self.warning_days
        )
        state = transition.state
        pending = OpenedCase(number="", status=state.status, version=state.version)
        if answer is not None:  # the number is the statement's to fill in
            answer = PendingAnswer(
                answer.owner,
                answer.key,
                answer.record_id,
                answer.status_code,
                {**answer.body, **pending.answer()},
            )
        new = NewCase(
            tenant.id,
            today,
            prefix,
            {
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
                **rows.deadline_columns(clock),
            },
            rows.timeline_rows(transition),
            rows.outbox_rows(tenant.code, transition),
            rows.task_rows(spec, calendar, state.open_tasks),
            answer,
        )
        if closing:
            sql, params = self.repo.opening(new)
            record = self._audit_record(tenant, None, None, transition)
            try:
                made = await self.uow.close_with(sql, params, **record)
                if made is None:  # the same statement, then the audit (psycopg prepares it)
                    made = await self.repo.rows(sql, params)
                    await self.uow.audit(**{**record, "object_id": str(made[0]["number"])})
            except IntegrityError:
                raise Conflict(
                    "cases.already_submitted", record=application.record_id, number="—"
                ) from None
            number = str(made[0]["number"])  # one row (or the error above)
            return OpenedCase(number=number, status=state.status, version=state.version)
        try:
            opened = await self.repo.open_case(new)
        except IntegrityError:
            raise Conflict(
                "cases.already_submitted", record=application.record_id, number="—"
            ) from None
        if opened is None:
            assert application.record_id is not None
            existing = await self.repo.by_record(tenant.id, application.record_id)
            raise Conflict(
                "cases.already_submitted",
                record=application.record_id,
                number=existing.number if existing is not None else "—",
            )
        _, number = opened
        await self._audit(tenant, number, None, transition)
        return OpenedCase(number=number, status=state.status, version=state.version)

    # transitions -----------------------------------------------------------------
    async def act(self, code: str, number: str, action: Action, actor: Actor) -> OpenedCase:
        """Apply one action; a refusal raises before anything is written."""
        tenant = self.tree.node(code)
        case = await self.repo.locked(tenant.id, number)
        if case is None:
            raise NotFound("cases.not_found", number=number[:40])
        spec = self.specs.for_case(case)
        keys: tuple[str, ...] = getattr(action, "attachments", ())
        if keys:
            # the applicant names their own uploads for the case's form; staff, who read
            # every attachment of the tenant, any verified one (a clerk's acceptance)
            applicant = isinstance(action, Resubmit)
            await attached.checked(
                self.attachments,
                tenant.id,
                case.form_key,
                None,
                owner_account_id=self.uow.account_id if applicant else None,
                any_form=not applicant,
                keys=keys,
            )
        before = state_from_json(case.state)
        now = self.clock()
        transition = apply(spec, before, action, actor, case.form_data, now)
        today = today_in_china(now)
        state = transition.state
        changed = rows.changed_tasks(before, state)
        calendar = None
        if rows.clock_changes(before, state) or rows.needs_calendar(spec, changed):
            calendar = await self._calendar(tenant, today)
        clock = rows.clock_after(
            before, state, rows.deadlines_of(case), calendar, today, self.warning_days
        )
        stored = await self.repo.store_transition(
            tenant.id,
            case.id,
            before.version,
            {
                "state": state_as_json(state),
                "version": state.version,
                "status": state.status,
                "updated_at": now,
                **rows.deadline_columns(clock),
            },
            rows.timeline_rows(transition),
            rows.outbox_rows(tenant.code, transition),
            [t.key for t in state.open_tasks],
            rows.task_rows(spec, calendar, changed),
        )
        if not stored:
            raise Conflict("cases.concurrent_update", number=number)
        await self._audit(tenant, number, before, transition)
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
        case = await self.repo.locked(tenant.id, number)
        if case is None:
            raise NotFound("cases.not_found", number=number[:40])
        model = await self.models.effective(self.uow.session, self.tree, code)
        document = model.documents.get(case.form_key)
        if document is None:
            raise NotFound("cases.form_unknown", pointer="/data", form=case.form_key[:64])
        corrected = await attached.checked(
            self.attachments,
            tenant.id,
            case.form_key,
            document,
            owner_account_id=self.uow.account_id,
            data=data,
            before=case.form_data,
        )
        await self.repo.update(tenant.id, case.id, case.version, {"form_data": corrected})

    async def _audit(
        self,
        tenant: TenantNode,
        number: str,
        before: CaseState | None,
        transition: Transition,
    ) -> None:
        await self.uow.audit(**self._audit_record(tenant, number, before, transition))

    @staticmethod
    def _audit_record(
        tenant: TenantNode,
        number: str | None,
        before: CaseState | None,
        transition: Transition,
    ) -> dict[str, Any]:
        """A change's audit record (`UnitOfWork.audit` takes it); a number None is the
        server's to fill in (`UnitOfWork.close_with`)."""
        state = transition.state
        name = transition.events[0].kind if before is None else rows.action_of(transition)
        return {
            "action": f"case.{name}",
            "object_type": "case",
            "object_id": number,
            "tenant_id": tenant.id,
            "detail": {
                "from": before.status if before else None,
                "to": state.status,
                "version": state.version,
                "events": [e.kind for e in transition.events],
            },
        }

    async def _calendar(self, tenant: TenantNode, today: date) -> WorkingCalendar:
        return await Calendars(self.uow, self.tree, cache=self.calendars).working_calendar(
            tenant.code,
            today - timedelta(days=deadlines.HORIZON_DAYS),
            today + timedelta(days=deadlines.HORIZON_DAYS),
        )


__all__ = ["SEQ_STRIDE", "CasesService", "RouteSpecs", "action_name"]
