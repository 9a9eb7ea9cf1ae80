"""Seeding cases in bulk: realistic cases in every state across the tenant tree, with
their timelines, supervision facts, evaluations, complaints, deadline warnings and
督办 orders, written with COPY.

COPY FROM is refused on tables behind row-level security, so each batch is
copied into temporary staging tables (no RLS: they are the session's own) and
moved with one `INSERT … SELECT` per table in the tenant's own scope, where the
policies check every row as they check any insert. Ids are drawn from the
tables' identity sequences first, so the rows of one case refer to each other.

A batch (`BATCH` cases of one tenant) is one transaction; progress is reported
after each. Values follow the seed: the same seed gives the same cases.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, Final

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from yiwang.platform.tenant_context import TenantScope
from yiwang.platform.unit_of_work import UnitOfWork
from yiwang.tenants.tree import TenantTree

BATCH: Final = 20_000
SPREAD_DAYS: Final = 365
DEPARTMENTS: Final = ("scjgj", "zrzyj", "zjj", "jyj", "wsjkw", "gaj", "rsj", "mzj", "swj", "nyj")
POWER_TYPES: Final = ("xzxk", "xzxk", "xzxk", "xzcf", "xzqr", "xzjf", "qt")
#: (status, weight, version, events after submission)
STATES: Final = (
    ("submitted", 8, 1, ()),
    ("in_review", 30, 2, ("accepted",)),
    ("supplement_requested", 5, 2, ("supplement_requested",)),
    ("decided", 4, 3, ("accepted", "decided")),
    ("completed", 45, 4, ("accepted", "decided", "completed")),
    ("not_accepted", 3, 2, ("not_accepted",)),
    ("withdrawn", 5, 2, ("withdrawn",)),
)
RUNNING: Final = frozenset({"submitted", "in_review", "supplement_requested"})

Units = Callable[..., AbstractAsyncContextManager[UnitOfWork]]
Progress = Callable[[str, int, int], None]

_STAGES: Final = {
    "cases": (
        "tenant_id, id, number, record_id, service_item, issuer_name, issuer_code, form_key,"
        " route_key, route_version, route_definition, form_data, state, version, status,"
        " submitter, submitted_at, updated_at, statutory_due, promised_due, statutory_left,"
        " promised_left, warn_on, colour, next_check"
    ),
    "case_events": (
        "tenant_id, case_id, seq, kind, actor, at, step, task, comment, attachments, data"
    ),
    "case_outbox": "tenant_id, case_id, kind, payload, created_at, delivered_at",
    "supervision_case_facts": "tenant_id, case_id, power_type, online, fully_online, visits",
    "supervision_evaluations": (
        "tenant_id, case_id, grade, comment, at, rectify_due, rectified_at"
    ),
    "supervision_complaints": (
        "tenant_id, case_id, department, content, opened_at, closed_at, answer"
    ),
    "supervision_orders": (
        "tenant_id, case_id, department, issued_by, issuer_tenant_id, reason, issued_at,"
        " due_on, status, response, responded_by, responded_at"
    ),
}


@dataclass
class CaseSeedResult:
    written: dict[str, int] = field(default_factory=lambda: dict.fromkeys(_STAGES, 0))
    tenants: int = 0
    seconds: float = 0.0


def _split(total: int, parts: int) -> list[int]:
    base, extra = divmod(total, parts)
    return [base + (1 if i < extra else 0) for i in range(parts)]


class CaseSeeder:
    def __init__(
        self,
        units: Units,
        tree: TenantTree,
        seed: int,
        progress: Progress,
        now: datetime | None = None,
    ) -> None:
        self.units = units
        self.tree = tree
        self.random = random.Random(seed)
        self.progress = progress
        self.now = now or datetime.now(UTC)
        self._weights = [s[1] for s in STATES]
        #: case numbers: a token of this run and a serial, unique within the tenant
        self._run = f"S{int(time.time()) % 100_000:05d}"
        self._serial = 0

    async def run(self, total: int) -> CaseSeedResult:
        started = time.monotonic()
        result = CaseSeedResult()
        nodes = sorted(self.tree.by_id.values(), key=lambda n: n.code)
        root = self.tree.roots[0] if self.tree.roots else nodes[0]
        done = 0
        for node, count in zip(nodes, _split(total, len(nodes)), strict=True):
            left = count
            while left > 0:
                n = min(BATCH, left)
                async with self.units(TenantScope.single(node.id)) as uow:
                    written = await self._batch(uow.session, node.id, node.code, root.id, n)
                for k, v in written.items():
                    result.written[k] += v
                left -= n
                done += n
                self.progress(node.code, done, total)
            result.tenants += 1 if count else 0
        result.seconds = time.monotonic() - started
        return result

    async def _batch(
        self, session: AsyncSession, tenant_id: int, code: str, root_id: int, n: int
    ) -> dict[str, int]:
        for table in _STAGES:
            await session.execute(
                text(
                    f"CREATE TEMP TABLE IF NOT EXISTS stage_{table}"
                    f" (LIKE {table} INCLUDING DEFAULTS) ON COMMIT DELETE ROWS"
                )
            )
            if table != "supervision_case_facts":
                # the identity column is filled by the real table's insert
                await session.execute(
                    text(f"ALTER TABLE stage_{table} ALTER COLUMN id DROP NOT NULL")
                )
        # the cases first: their ids come from the identity column (the application role
        # may not draw from the sequence itself), matched back by their unique numbers
        rows = self._rows(tenant_id, code, root_id, n)
        raw = await (await session.connection()).get_raw_connection()
        conn: Any = raw.driver_connection
        case_columns = _STAGES["cases"].replace("tenant_id, id, ", "tenant_id, ")
        async with (
            conn.cursor() as cur,
            cur.copy(f"COPY stage_cases ({case_columns}) FROM STDIN") as copy,
        ):
            for row in rows["cases"]:
                await copy.write_row(row)
        found = await session.execute(
            text(
                f"INSERT INTO cases ({case_columns}) SELECT {case_columns} FROM stage_cases"
                " RETURNING id, number"
            )
        )
        position = {row[1]: i for i, row in enumerate(rows["cases"])}
        ids = [0] * n
        for case_id, number in found.all():
            ids[position[number]] = case_id
        async with conn.cursor() as cur:
            for table, columns in _STAGES.items():
                if table == "cases":
                    continue
                async with cur.copy(f"COPY stage_{table} ({columns}) FROM STDIN") as copy:
                    for row in rows[table]:
                        await copy.write_row((row[0], ids[row[1]], *row[2:]))
        for table, columns in _STAGES.items():
            if table != "cases":
                await session.execute(
                    text(f"INSERT INTO {table} ({columns}) SELECT {columns} FROM stage_{table}")
                )
        return {t: len(r) for t, r in rows.items()}

    def _rows(
        self, tenant_id: int, code: str, root_id: int, n: int
    ) -> dict[str, list[tuple[Any, ...]]]:
        """The batch's rows; dependents name their case by its position in the batch."""
        rnd = self.random
        out: dict[str, list[tuple[Any, ...]]] = {t: [] for t in _STAGES}
        cases, events, outbox = out["cases"], out["case_events"], out["case_outbox"]
        facts, evaluations = out["supervision_case_facts"], out["supervision_evaluations"]
        complaints, orders = out["supervision_complaints"], out["supervision_orders"]
        for case_id in range(n):
            self._serial += 1
            status, _, version, later = rnd.choices(STATES, self._weights)[0]
            submitted = self.now - timedelta(seconds=rnd.randrange(SPREAD_DAYS * 86_400))
            day = (submitted + timedelta(hours=8)).date()
            promised = rnd.randint(3, 20)
            promised_due = day + timedelta(days=promised * 7 // 5)
            statutory_due = promised_due + timedelta(days=rnd.randint(0, 10))
            handling = rnd.randint(1, promised * 7 // 5 + 6)
            updated = submitted + timedelta(days=handling) if later else submitted
            if updated > self.now:
                updated = self.now
            department = DEPARTMENTS[rnd.randrange(len(DEPARTMENTS))]
            submitter = f"account:{rnd.randint(1, 10_000_000)}"
            colour: str | None = None
            if status in RUNNING:
                overdue = self.now.date() > promised_due
                colour = "red" if overdue else rnd.choices(("green", "yellow"), (85, 15))[0]
            elif status in ("decided", "completed"):
                colour = "green"
            item = f"SI-{rnd.randint(1, 200):04d}"
            at_iso = submitted.isoformat()
            state = (
                '{"route":{"document":"application","key":"standard","version":"seed"},'
                f'"tenant":"{code}","submitter":"{submitter}",'
                f'"implementing_department":"{department}","status":"{status}",'
                f'"version":{version},"submitted_at":"{at_iso}",'
                f'"updated_at":"{updated.isoformat()}","clock":'
                f'"{"running" if status in RUNNING else "ended"}"}}'
            )
            form = '{"x_school":"第一中学"}' if rnd.random() < 0.1 else "{}"
            cases.append(
                (
                    tenant_id, f"{code}-{day:%Y%m%d}-{self._run}{self._serial:08d}", None, item,
                    None, None, "application", "standard", "seed", "{}", form, state,
                    version, status, submitter, submitted, updated, statutory_due,
                    promised_due, None, None, promised_due - timedelta(days=1), colour,
                    promised_due + timedelta(days=1) if status in RUNNING else None,
                )
            )  # fmt: skip
            events.append(
                (tenant_id, case_id, 1000, "submitted", submitter, submitted, None, None,
                 "", "[]", "{}")
            )  # fmt: skip
            step = (updated - submitted) / max(len(later), 1)
            for i, kind in enumerate(later, start=2):
                events.append(
                    (tenant_id, case_id, i * 1000, kind, "seed:staff",
                     min(submitted + step * (i - 1), updated), None, None, "", "[]", "{}")
                )  # fmt: skip
            if colour in ("yellow", "red"):
                outbox.append(
                    (tenant_id, case_id, f"deadline.{colour}",
                     json.dumps({"colour": colour, "due": promised_due.isoformat()}),
                     min(self.now, datetime.combine(promised_due, datetime.min.time(), UTC)),
                     None)
                )  # fmt: skip
            online = rnd.random() < 0.85
            fully = online and rnd.random() < 0.7
            visits = 0 if fully else rnd.choice((0, 1, 1, 2))
            facts.append(
                (tenant_id, case_id, POWER_TYPES[rnd.randrange(len(POWER_TYPES))], online,
                 fully, visits)
            )  # fmt: skip
            if status == "completed" and rnd.random() < 0.4:
                grade = rnd.choices((5, 4, 3, 2, 1), (70, 18, 7, 3, 2))[0]
                due: date | None = None
                fixed: datetime | None = None
                if grade <= 2:
                    due = (updated + timedelta(hours=8)).date() + timedelta(days=21)
                    if rnd.random() < 0.7:
                        fixed = min(self.now, updated + timedelta(days=rnd.randint(1, 30)))
                evaluations.append((tenant_id, case_id, grade, "", updated, due, fixed))
            if rnd.random() < 0.02:
                opened = min(self.now, submitted + timedelta(days=rnd.randint(0, 10)))
                closed = (
                    min(self.now, opened + timedelta(hours=rnd.randint(2, 240)))
                    if rnd.random() < 0.8
                    else None
                )
                complaints.append(
                    (tenant_id, case_id, None, "办理时间过长", opened, closed,
                     "已核实处理" if closed else None)
                )  # fmt: skip
            if colour == "red" and rnd.random() < 0.3:
                answered = rnd.random() < 0.5
                orders.append(
                    (tenant_id, case_id, None, "seed:supervisor", root_id, "超期未办结，请说明情况",
                     updated, promised_due + timedelta(days=5),
                     "answered" if answered else "open", "已加快办理" if answered else None,
                     "seed:staff" if answered else None, updated if answered else None)
                )  # fmt: skip
        return out
