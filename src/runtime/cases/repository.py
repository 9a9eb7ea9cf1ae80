"""The only SQL of the cases room. Every statement names its tenant."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import msgspec
from sqlalchemy import func, insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from yiwang.platform.audit.closing import NOTED
from yiwang.platform.driver_sql import DriverStatement, driver_rows
from yiwang.runtime.cases.models import (
    Case,
    CaseCertificate,
    CaseCounter,
    CaseEvent,
    CaseOutbox,
)
from yiwang.runtime.cases.schemas import PendingAnswer

#: statuses whose clock may still run out
OPEN_STATUSES = ("submitted", "in_review", "supplement_requested", "decided")

_encoder = msgspec.json.Encoder()


def _json(value: Any) -> str:
    return _encoder.encode(value).decode()


#: the inbox's page: each role's tasks in the inbox's order from `ix_case_tasks_inbox`, at
#: most `window` (offset + limit) of them, joined to their cases by key, then merged; a
#: text statement built once (the page is the console's hottest read), each filter off
#: when its parameter is null. The actor's department admits tasks of no department too.
_INBOX = text(
    "SELECT t.number, t.service_item, t.status, t.colour, t.promised_due, t.form_key,"
    " t.route_key, t.task, t.step, t.role, t.department, t.opened_at, t.due_on"
    " FROM unnest(CAST(:roles AS text[])) AS held(role) CROSS JOIN LATERAL ("
    "  SELECT c.number, c.service_item, c.status, c.colour, c.promised_due, c.form_key,"
    "   c.route_key, k.task, k.step, k.role, k.department, k.opened_at, k.due_on, k.case_id"
    "  FROM case_tasks k JOIN cases c ON c.tenant_id = k.tenant_id AND c.id = k.case_id"
    "  WHERE k.tenant_id = :tenant AND k.role = held.role"
    "   AND (k.assignee IS NULL OR k.assignee = :actor) AND c.submitter <> :actor"
    "   AND (k.department IS NULL OR k.department = CAST(:department AS text))"
    "   AND (CAST(:step AS text) IS NULL OR k.step = :step)"
    "   AND (CAST(:task_department AS text) IS NULL OR k.department = :task_department)"
    "  ORDER BY k.due_on ASC NULLS LAST, k.opened_at, k.case_id LIMIT :window"
    " ) AS t ORDER BY t.due_on ASC NULLS LAST, t.opened_at, t.case_id"
    " LIMIT :limit OFFSET :offset"
)

#: a case's columns as `open_case` inserts them (besides tenant and number)
_CASE_COLUMNS = (
    "record_id, service_item, issuer_name, issuer_code, form_key, route_key, route_version,"
    " route_definition, form_data, state, version, status, submitter, submitted_at, updated_at,"
    " statutory_due, promised_due, statutory_left, promised_left, warn_on, colour, next_check"
)
_TIMELINE = (
    "events AS ("
    " INSERT INTO case_events (tenant_id, case_id, seq, kind, actor, at, step, task, comment,"
    " attachments, data)"
    " SELECT :tenant, c.id, e.seq, e.kind, e.actor, e.at, e.step, e.task, e.comment,"
    " e.attachments, e.data"
    " FROM {c} c, jsonb_populate_recordset(NULL::case_events, CAST(:events AS jsonb)) e),"
    " outbox AS ("
    " INSERT INTO case_outbox (tenant_id, case_id, kind, payload, created_at)"
    " SELECT :tenant, c.id, o.kind, o.payload || jsonb_build_object('number', c.number),"
    " o.created_at"
    " FROM {c} c, jsonb_populate_recordset(NULL::case_outbox, CAST(:outbox AS jsonb)) o),"
    " tasks AS ("
    " INSERT INTO case_tasks (tenant_id, case_id, task, step, role, department, assignee,"
    " opened_at, due_on)"
    " SELECT :tenant, c.id, t.task, t.step, t.role, t.department, t.assignee, t.opened_at,"
    " t.due_on"
    " FROM {c} c, jsonb_populate_recordset(NULL::case_tasks, CAST(:tasks AS jsonb)) t"
    " ON CONFLICT (tenant_id, case_id, task) DO UPDATE SET step = excluded.step,"
    " role = excluded.role, department = excluded.department, assignee = excluded.assignee,"
    " opened_at = excluded.opened_at, due_on = excluded.due_on)"
)
# the serial is formatted as `numbering.case_number` formats it: at least six digits
_OPEN_TEXT = (
    "WITH serial AS ("
    " INSERT INTO case_counters (tenant_id, day, last) VALUES (:tenant, :day, 1)"
    " ON CONFLICT (tenant_id, day) DO UPDATE SET last = case_counters.last + 1"
    " RETURNING last),"
    " made AS ("
    f" INSERT INTO cases (tenant_id, number, {_CASE_COLUMNS})"
    " SELECT :tenant, :prefix || lpad(s.last::text, greatest(6, length(s.last::text)), '0'),"
    f" {', '.join('r.' + c.strip() for c in _CASE_COLUMNS.split(','))}"
    " FROM serial s, jsonb_populate_record(NULL::cases, CAST(:case AS jsonb)) r"
    "{where}"
    " RETURNING id, number), " + _TIMELINE.format(c="made")
)
#: a record's second case makes no row (the unique index settles a race)
_UNLESS_CASED = (
    " WHERE CAST(:record AS bigint) IS NULL OR NOT EXISTS ("
    "  SELECT 1 FROM cases x WHERE x.tenant_id = :tenant AND x.record_id = :record)"
)
#: storing the opening request's idempotent answer with the new number in it
_ANSWER = (
    ", answer AS ("
    " UPDATE record_idempotency a SET record_id = :answer_record, status_code = :answer_status,"
    " response = jsonb_set(CAST(:answer AS jsonb), '{case,number}', to_jsonb(m.number))"
    " FROM made m"
    " WHERE a.tenant_id = :tenant AND a.actor = :answer_owner AND a.key = :answer_key)"
)
_OPEN = text(_OPEN_TEXT.format(where=_UNLESS_CASED) + " SELECT id, number FROM made")
_OPEN_ANSWERING = text(
    _OPEN_TEXT.format(where=_UNLESS_CASED) + _ANSWER + " SELECT id, number FROM made"
)
# sent with the unit's closing append and COMMIT (`UnitOfWork.close_with`): always one row
# or an error (a record's second case is the unique index's violation, no empty answer that
# the COMMIT would follow), the number noted for the audit record to name
_CLOSING_SELECT = f" SELECT id, number, set_config('{NOTED}', number, true) AS noted FROM made"
_OPEN_CLOSING = text(_OPEN_TEXT.format(where="") + _CLOSING_SELECT)
_OPEN_ANSWERING_CLOSING = text(_OPEN_TEXT.format(where="") + _ANSWER + _CLOSING_SELECT)
#: both sent through psycopg alone (`platform.driver_sql`): every application opens a case
_OPEN_DRIVER = DriverStatement(_OPEN)
_OPEN_ANSWERING_DRIVER = DriverStatement(_OPEN_ANSWERING)
_OPEN_CLOSING_DRIVER = DriverStatement(_OPEN_CLOSING)
_OPEN_ANSWERING_CLOSING_DRIVER = DriverStatement(_OPEN_ANSWERING_CLOSING)
_TRANSITION = text(
    "WITH moved AS ("
    " UPDATE cases c SET state = r.state, version = r.version, status = r.status,"
    " updated_at = r.updated_at, statutory_due = r.statutory_due,"
    " promised_due = r.promised_due, statutory_left = r.statutory_left,"
    " promised_left = r.promised_left, warn_on = r.warn_on, colour = r.colour,"
    " next_check = r.next_check"
    " FROM jsonb_populate_record(NULL::cases, CAST(:case AS jsonb)) r"
    " WHERE c.tenant_id = :tenant AND c.id = :case_id AND c.version = :read_version"
    " RETURNING c.id, c.number),"
    " closed AS ("
    " DELETE FROM case_tasks t USING moved m"
    " WHERE t.tenant_id = :tenant AND t.case_id = m.id"
    " AND NOT (t.task = ANY (CAST(:open AS text[])))), "
    + _TIMELINE.format(c="moved")
    + " SELECT count(*) FROM moved"
)


#: the row a transition starts from, locked: one prebuilt statement, no ORM load
_LOCK = text(
    "SELECT tenant_id, id, number, " + _CASE_COLUMNS + " FROM cases"
    " WHERE tenant_id = :tenant AND number = :number FOR UPDATE"
)


@dataclass(frozen=True)
class NewCase:
    """What opening a case writes: the day's serial is taken by the statement itself."""

    tenant_id: int
    day: date
    prefix: str
    case: dict[str, Any]
    events: Sequence[dict[str, Any]]
    outbox: Sequence[dict[str, Any]]
    tasks: Sequence[dict[str, Any]]
    #: the opening request's idempotent answer, stored by the same statement
    answer: PendingAnswer | None = None

    def params(self) -> dict[str, Any]:
        """The parameters of the statements that open it (`CaseRepository.open_case`)."""
        params: dict[str, Any] = {
            "tenant": self.tenant_id,
            "day": self.day,
            "prefix": self.prefix,
            "record": self.case.get("record_id"),
            "case": _json(self.case),
            "events": _json(self.events),
            "outbox": _json(self.outbox),
            "tasks": _json(self.tasks),
        }
        answer = self.answer
        if answer is not None:
            params |= {
                "answer": _json(answer.body),
                "answer_record": answer.record_id,
                "answer_status": answer.status_code,
                "answer_owner": answer.owner,
                "answer_key": answer.key,
            }
        return params


class CaseRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def locked(self, tenant_id: int, number: str) -> Case | None:
        """The case, read fresh and row-locked until commit (racing transitions queue).

        Built from one prebuilt statement's row, outside the session: a transition reads
        it and writes through `store_transition`, so the ORM's compile, load and identity
        map would be work for nothing (they were about half of a transition's CPU)."""
        row = (
            (await self.session.execute(_LOCK, {"tenant": tenant_id, "number": number}))
            .mappings()
            .one_or_none()
        )
        return Case(**row) if row is not None else None

    async def counter(self, tenant_id: int, day: date) -> int | None:
        found = await self.session.scalar(
            select(CaseCounter.last).where(
                CaseCounter.tenant_id == tenant_id, CaseCounter.day == day
            )
        )
        return int(found) if found is not None else None

    async def by_record(self, tenant_id: int, record_id: int) -> Case | None:
        found: Case | None = await self.session.scalar(
            select(Case).where(Case.tenant_id == tenant_id, Case.record_id == record_id)
        )
        return found

    async def submitted_by(self, tenant_id: int, submitter: str, limit: int) -> Sequence[Case]:
        """The cases one person submitted at the tenant, newest first."""
        rows = await self.session.scalars(
            select(Case)
            .where(Case.tenant_id == tenant_id, Case.submitter == submitter)
            .order_by(Case.submitted_at.desc(), Case.id.desc())
            .limit(limit)
        )
        return list(rows)

    async def get(self, tenant_id: int, number: str) -> Case | None:
        query = select(Case).where(Case.tenant_id == tenant_id, Case.number == number)
        found: Case | None = (
            await self.session.execute(query.execution_options(populate_existing=True))
        ).scalar_one_or_none()
        return found

    async def update(
        self, tenant_id: int, case_id: int, read_version: int, values: dict[str, Any]
    ) -> bool:
        """Store a transition unless another one was stored since `read_version` was read."""
        result = await self.session.execute(
            update(Case)
            .where(Case.tenant_id == tenant_id, Case.id == case_id, Case.version == read_version)
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def open_case(self, new: NewCase) -> tuple[int, str] | None:
        """Number and store a new case with its timeline, outbox and tasks: one statement.

        The day's counter row is incremented here, so it stays locked only from this
        statement to commit (concurrent submitters queue on it; a rolled-back one
        leaves no gap). None when the record already has a case (the unique index
        settles a race). With `answer`, the same statement stores the opening
        request's idempotent answer, the case number filled in."""
        rows = await driver_rows(
            self.session,
            _OPEN_DRIVER if new.answer is None else _OPEN_ANSWERING_DRIVER,
            new.params(),
        )
        return (int(rows[0]["id"]), str(rows[0]["number"])) if rows else None

    @staticmethod
    def opening(new: NewCase) -> tuple[DriverStatement, dict[str, Any]]:
        """`open_case`'s statement and parameters, to be sent with the unit's closing append
        and COMMIT (`UnitOfWork.close_with`): it notes the number for the audit record, and
        a record's second case is an `IntegrityError` (the unique index), never no row."""
        closing = _OPEN_CLOSING_DRIVER if new.answer is None else _OPEN_ANSWERING_CLOSING_DRIVER
        return closing, new.params()

    async def rows(
        self, statement: DriverStatement, params: dict[str, Any]
    ) -> list[dict[str, Any]]:
        """`statement`'s rows, run in the session's transaction (`opening`'s, when it does
        not go with the COMMIT)."""
        return await driver_rows(self.session, statement, params)

    async def store_transition(
        self,
        tenant_id: int,
        case_id: int,
        read_version: int,
        case: dict[str, Any],
        events: Sequence[dict[str, Any]],
        outbox: Sequence[dict[str, Any]],
        open_tasks: Sequence[str],
        changed_tasks: Sequence[dict[str, Any]],
    ) -> bool:
        """Store a transition with its timeline, outbox and tasks in one statement, unless
        another one was stored since `read_version` was read (then nothing is written).

        Tasks not in `open_tasks` are closed (deleted); `changed_tasks` are upserted;
        the others keep their rows."""
        result = await self.session.execute(
            _TRANSITION,
            {
                "tenant": tenant_id,
                "case_id": case_id,
                "read_version": read_version,
                "case": _json(case),
                "events": _json(events),
                "outbox": _json(outbox),
                "open": list(open_tasks),
                "tasks": _json(changed_tasks),
            },
        )
        return bool(result.scalar_one())

    async def timeline(self, tenant_id: int, case_id: int) -> Sequence[CaseEvent]:
        return (
            await self.session.scalars(
                select(CaseEvent)
                .where(CaseEvent.tenant_id == tenant_id, CaseEvent.case_id == case_id)
                .order_by(CaseEvent.seq)
            )
        ).all()

    async def outbox(self, tenant_id: int, case_id: int) -> Sequence[CaseOutbox]:
        return (
            await self.session.scalars(
                select(CaseOutbox)
                .where(CaseOutbox.tenant_id == tenant_id, CaseOutbox.case_id == case_id)
                .order_by(CaseOutbox.id)
            )
        ).all()

    async def inbox(
        self,
        tenant_id: int,
        roles: Sequence[str],
        department: str | None,
        actor: str,
        limit: int,
        *,
        step: str | None = None,
        task_department: str | None = None,
        offset: int = 0,
    ) -> Sequence[Any]:
        """Open tasks the actor may take: their roles, their department (or none), not
        delegated to someone else, not on their own cases; soonest due first. `step` and
        `task_department` narrow them (the console's filters); `offset` pages them.

        Each role's tasks are read in the inbox's order from `ix_case_tasks_inbox`, at most
        `offset + limit` of them, each joined to its case by key; the roles' runs are then
        merged: a page costs its own rows, not a sort over every open task of the role."""
        if not roles:
            return []
        params = {
            "tenant": tenant_id,
            "roles": list(roles),
            "actor": actor,
            "department": department,
            "step": step,
            "task_department": task_department,
            "window": offset + limit,
            "limit": limit,
            "offset": offset,
        }
        return (await self.session.execute(_INBOX, params)).all()

    async def tenants_due(self, tenant_ids: Sequence[int], today: date) -> list[int]:
        """The tenants, among those visible, with a case whose `next_check` day has come
        (a cross-tenant read, named so: the sweep's first step)."""
        result = await self.session.execute(
            text(
                "SELECT t.id FROM unnest(CAST(:ids AS bigint[])) AS t(id) WHERE EXISTS ("
                " SELECT 1 FROM cases c WHERE c.tenant_id = t.id"
                " AND c.next_check IS NOT NULL AND c.next_check <= :today)"
            ),
            {"ids": list(tenant_ids), "today": today},
        )
        return [int(r[0]) for r in result]

    async def sweep(self, tenant_id: int, today: date, now: datetime) -> int:
        """Move the tenant's cases whose `next_check` has come to their new colour, and put
        one warning per change in the outbox: one statement, reading only those cases
        through the partial index on `(tenant_id, next_check)`."""
        result = await self.session.execute(
            text(
                """
                WITH changed AS (
                    UPDATE cases SET
                        colour = CASE WHEN :today > coalesce(promised_due, statutory_due)
                                      THEN 'red' ELSE 'yellow' END,
                        next_check = CASE WHEN :today > coalesce(promised_due, statutory_due)
                                          THEN NULL
                                          ELSE coalesce(promised_due, statutory_due) + 1 END
                    WHERE tenant_id = :tenant AND next_check IS NOT NULL
                      AND next_check <= :today
                    RETURNING tenant_id, id, number, colour,
                              coalesce(promised_due, statutory_due) AS due, form_data
                )
                INSERT INTO case_outbox (tenant_id, case_id, kind, payload, created_at)
                SELECT tenant_id, id, 'deadline.' || colour,
                       jsonb_build_object('number', number, 'colour', colour, 'due', due,
                                          'phone', form_data->>'contact_phone',
                                          'email', form_data->>'email'),
                       :now
                FROM changed
                """
            ),
            {"tenant": tenant_id, "today": today, "now": now},
        )
        return int(result.rowcount)  # type: ignore[attr-defined]

    async def count_open(self, tenant_id: int) -> int:
        return int(
            await self.session.scalar(
                select(func.count())
                .select_from(Case)
                .where(Case.tenant_id == tenant_id, Case.status.in_(OPEN_STATUSES))
            )
            or 0
        )

    # certificates ---------------------------------------------------------------
    async def add_certificate(self, values: dict[str, Any]) -> None:
        await self.session.execute(insert(CaseCertificate).values(**values))

    async def certificate(
        self, tenant_id: int, identifier: str, *, lock: bool = False
    ) -> CaseCertificate | None:
        query = select(CaseCertificate).where(
            CaseCertificate.tenant_id == tenant_id, CaseCertificate.identifier == identifier
        )
        if lock:
            query = query.with_for_update()
        found: CaseCertificate | None = await self.session.scalar(query)
        return found

    async def certificates_of(self, tenant_id: int, case_id: int) -> Sequence[CaseCertificate]:
        return (
            await self.session.scalars(
                select(CaseCertificate).where(
                    CaseCertificate.tenant_id == tenant_id, CaseCertificate.case_id == case_id
                )
            )
        ).all()

    async def certificates_submitted_by(
        self, tenant_id: int, submitter: str, limit: int
    ) -> Sequence[tuple[CaseCertificate, str]]:
        """The licences of the cases `submitter` submitted, newest first, with the number."""
        rows = await self.session.execute(
            select(CaseCertificate, Case.number)
            .join(
                Case,
                (Case.tenant_id == CaseCertificate.tenant_id)
                & (Case.id == CaseCertificate.case_id),
            )
            .where(CaseCertificate.tenant_id == tenant_id, Case.submitter == submitter)
            .order_by(CaseCertificate.issued_at.desc(), CaseCertificate.id.desc())
            .limit(limit)
        )
        return [(row[0], str(row[1])) for row in rows]

    async def revoke_certificate(
        self, tenant_id: int, identifier: str, reason: str, at: datetime
    ) -> None:
        await self.session.execute(
            update(CaseCertificate)
            .where(CaseCertificate.tenant_id == tenant_id, CaseCertificate.identifier == identifier)
            .values(status="revoked", revoked_reason=reason, revoked_at=at)
        )
