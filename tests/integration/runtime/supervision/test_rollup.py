"""The monthly rollup agrees exactly with the direct count over the raw records, after
random sequences of case events driven through the services: open, accept, approve,
decide, complete, not accept, withdraw, 补正 and resubmission, facts, evaluations and
rectification, complaints and closing, and the days passing with the deadline sweep
(yellow and red warnings), across month ends.

The reference is `cross_tenant_metric_rows_direct`; the subject is what
`SupervisionService.metrics` reads (`cross_tenant_metric_rows`, from the rollup for
whole months), compared per tenant and department on every counter, for each month
touched, a quarter and the year (a case warned in several months counts once)."""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta, timezone
from typing import Any

import psycopg
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.integration.runtime.cases.conftest import purge_cases
from tests.integration.runtime.supervision.conftest import SEED_NOW, SEEDED, Seeding
from yiwang.metadata.versions.model_cache import ModelCache
from yiwang.platform.database import create_engine, session_factory
from yiwang.platform.errors import YiwangError
from yiwang.platform.settings import Settings
from yiwang.platform.tenant_context import TenantScope
from yiwang.platform.unit_of_work import unit_of_work
from yiwang.runtime.cases.schemas import Application
from yiwang.runtime.cases.service import CasesService, RouteSpecs
from yiwang.runtime.cases.sweep import sweep
from yiwang.runtime.routes.actions import (
    Accept,
    Action,
    Actor,
    Approve,
    Complete,
    Decide,
    NotAccept,
    RequestSupplement,
    Resubmit,
    Withdraw,
)
from yiwang.runtime.seeding.cases import CaseSeeder
from yiwang.runtime.supervision import cross_tenant, metrics
from yiwang.runtime.supervision.periods import parse_period
from yiwang.runtime.supervision.rollup.commands import supervision_group
from yiwang.runtime.supervision.rollup.repository import RollupRepository
from yiwang.runtime.supervision.service import SupervisionService
from yiwang.tenants.tree import TenantTree

CST = timezone(timedelta(hours=8))
CHENGGUAN = "620102"
#: a Thursday four days before the end of March: the events run over three month ends
START = datetime(2026, 3, 26, 9, 0, tzinfo=CST)
DEPARTMENTS = ("scjgj", "zjj")
ROUTES = (("application", "standard"), ("food_business_license", "licensing"))
STAFF = frozenset({"window_clerk", "dept_reviewer", "dept_leader", "inspector"})
PERIODS = ("2026-03", "2026-04", "2026-05", "2026-06", "2026-Q2", "2026")

CASE = st.integers(0, 30)
OPEN = st.tuples(st.just("open"), st.integers(0, 1), st.integers(0, 1))
#: the actions that may come next in a status (the engine refuses the rest)
NEXT = {
    "submitted": ("accept", "accept", "accept", "supplement", "not_accept", "accept", "withdraw"),
    "supplement_requested": ("resubmit", "resubmit", "resubmit", "withdraw"),
    "in_review": ("approve", "decide", "approve", "decide", "refuse", "approve", "withdraw"),
    "decided": ("complete",),
}
OPS = st.one_of(
    OPEN,
    *(st.tuples(st.just("advance"), CASE, st.integers(0, 6)),) * 6,
    st.tuples(
        st.sampled_from(
            ("accept", "approve", "decide", "refuse", "complete", "not_accept", "withdraw")
        ),
        CASE,
    ),
    st.tuples(st.sampled_from(("supplement", "resubmit")), CASE),
    st.tuples(st.just("facts"), CASE, st.booleans(), st.booleans(), st.integers(0, 2)),
    st.tuples(st.just("evaluate"), CASE, st.integers(1, 5)),
    st.tuples(st.just("rectify"), CASE),
    st.tuples(st.just("complain"), CASE, st.booleans()),
    st.tuples(st.just("close"), CASE),
    st.tuples(st.just("days"), st.integers(1, 12)),
)


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


BASIS = "《行政许可法》第三十八条"
ACTIONS: dict[str, Action] = {
    "accept": Accept(comment="受理"),
    "approve": Approve(),
    "decide": Decide(outcome="approved", legal_basis=BASIS),
    "refuse": Decide(outcome="refused", legal_basis=BASIS, reasons="不符"),
    "complete": Complete(comment="已送达"),
    "not_accept": NotAccept(reason="不属于本机关职权"),
    "withdraw": Withdraw(reason="不再需要"),
    "supplement": RequestSupplement(missing=("身份证明",)),
    "resubmit": Resubmit(),
}


def _folded(
    rows: dict[str, list[dict[str, Any]]], departments: bool = True
) -> dict[tuple[Any, ...], dict[str, float]]:
    folded = metrics.fold(
        rows,
        lambda tenant, department: (tenant, department or "") if departments else (tenant,),
    )
    return {k: v.values for k, v in folded.items() if any(v.values.values())}


@settings(
    max_examples=6,
    phases=(Phase.explicit, Phase.reuse, Phase.generate),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(opens=st.lists(OPEN, min_size=1, max_size=5), ops=st.lists(OPS, min_size=12, max_size=50))
async def test_rollup_agrees_with_the_direct_count(
    sessions: async_sessionmaker[AsyncSession],
    installed: TenantTree,
    admin_sql: psycopg.Connection,
    opens: list[tuple[Any, ...]],
    ops: list[tuple[Any, ...]],
) -> None:
    marker = uuid.uuid4().hex[:12]
    clock = Clock()
    tenant_id = installed.node(CHENGGUAN).id
    models, specs = ModelCache(None), RouteSpecs()
    numbers: list[str] = []
    evaluations: list[int] = []
    rated: set[str] = set()
    complaints: list[int] = []
    serial = 0

    def person(role: str | None = None, department: str = "scjgj") -> Actor:
        nonlocal serial
        serial += 1
        login = f"{role or 'staff'}-{marker}-{serial}"
        if role == "citizen":
            return Actor(id=f"citizen-{marker}", tenant=CHENGGUAN, roles=frozenset({"citizen"}))
        return Actor(id=login, tenant=CHENGGUAN, roles=STAFF, department=department)

    async def step(op: tuple[Any, ...], cases: CasesService, s: SupervisionService) -> None:
        kind = op[0]
        if kind == "open":
            form, route = ROUTES[op[1]]
            application = Application(
                service_item="SI-0001",
                form=form,
                route=route,
                implementing_department=DEPARTMENTS[op[2]],
                data={"contact_phone": "13800000000"},
            )
            numbers.append((await cases.open(CHENGGUAN, application, person("citizen"))).number)
            return
        if kind == "act":
            _, number, kind, action, department = op
            actor = person("citizen" if kind in ("withdraw", "resubmit") else None, department)
            await cases.act(CHENGGUAN, number, action, actor)
            return
        if not numbers:
            return
        number = numbers[op[1] % len(numbers)]
        if kind == "facts":
            await s.record_facts(
                CHENGGUAN,
                number,
                power_type="xzxk",
                online=op[2],
                fully_online=op[2] and op[3],
                visits=op[4],
            )
        elif kind == "evaluate" and number not in rated:
            # one 好差评 per case (a unique index): a case is rated once
            rated.add(number)
            evaluations.append(await s.evaluate(CHENGGUAN, number, op[2]))
        elif kind == "rectify" and evaluations:
            await s.rectify(CHENGGUAN, evaluations[op[1] % len(evaluations)])
        elif kind == "complain":
            on_case = op[2]
            complaints.append(
                await s.complain(
                    CHENGGUAN,
                    f"投诉 {marker}",
                    number=number if on_case else None,
                    department=None if on_case else "zjj",
                )
            )
        elif kind == "close" and complaints:
            await s.close_complaint(CHENGGUAN, complaints[op[1] % len(complaints)], "已处理")
        else:
            return

    def case_row(number: str) -> tuple[str, str]:
        row = admin_sql.execute(
            "SELECT status, state ->> 'implementing_department' FROM cases WHERE number = %s",
            (number,),
        ).fetchone()
        assert row is not None
        return str(row[0]), str(row[1])

    def attempts(op: tuple[Any, ...]) -> list[tuple[Any, ...]]:
        """What to try for an op, in order, until one is taken: `advance` moves a case
        on by what its status and open tasks allow (its choice picks among them)."""
        if op[0] not in ("advance", *ACTIONS):
            return [op]
        if not numbers:
            return []
        number = numbers[op[1] % len(numbers)]
        if op[0] != "advance":
            return [("act", number, op[0], ACTIONS[op[0]], case_row(number)[1])]
        status, department = case_row(number)
        tasks = [
            (str(r[0]), str(r[1] or department))
            for r in admin_sql.execute(
                "SELECT t.task, t.department FROM case_tasks t JOIN cases c"
                " ON c.tenant_id = t.tenant_id AND c.id = t.case_id"
                " WHERE c.number = %s ORDER BY t.task",
                (number,),
            ).fetchall()
        ]
        choices = NEXT.get(status, ())
        kind = choices[op[2] % len(choices)] if choices else None
        if kind in ("approve", "decide", "refuse", "complete"):
            outcome = "refused" if kind == "refuse" else "approved"
            out: list[tuple[Any, ...]] = []
            for t, dept in tasks:
                for k, a in (
                    ("approve", Approve(task=t)),
                    ("decide", Decide(outcome=outcome, legal_basis=BASIS, reasons="不符", task=t)),
                    ("complete", Complete(task=t, comment="已送达")),
                ):
                    out.append(("act", number, k, a, dept))
            return out
        return [("act", number, kind, ACTIONS[kind], department)] if kind else []

    try:
        for op in [*opens, *ops]:
            if op[0] == "days":
                clock.now += timedelta(days=op[1])
                async with unit_of_work(sessions, actor="system:cases.sweep") as uow:
                    await sweep(uow, installed, clock.now)
                continue
            for attempt in attempts(op):
                try:  # one committing unit in Chengguan's scope; a refused one changes nothing
                    async with unit_of_work(
                        sessions, actor="test", scope=TenantScope.single(tenant_id)
                    ) as uow:
                        await step(
                            attempt,
                            CasesService(uow, installed, models, specs, clock=clock),
                            SupervisionService(uow, installed, clock=clock),
                        )
                    break
                except YiwangError:
                    continue
        scope = TenantScope.subtree(installed.node("620100").id, installed.subtree_ids("620100"))
        ids = sorted(scope.visible_tenant_ids)
        seen = 0
        for label in PERIODS:
            period = parse_period(label)
            async with unit_of_work(sessions, actor="test", scope=scope) as uow:
                direct = await cross_tenant.cross_tenant_metric_rows_direct(
                    uow.session, ids, period
                )
                rolled = await cross_tenant.cross_tenant_metric_rows(uow.session, ids, period)
                per_tenant = await cross_tenant.cross_tenant_metric_rows(
                    uow.session, ids, period, departments=False
                )
                served = await SupervisionService(uow, installed, clock=clock).metrics(
                    {"period": [label], "by": ["department"]}
                )
            assert _folded(rolled) == _folded(direct), label
            assert _folded(per_tenant, False) == _folded(direct, False), label
            by_department = {
                (installed.node(i["tenant"]["code"]).id, i["department"] or ""): {
                    k: float(v) for k, v in i["counts"].items()
                }
                for i in served["items"]
                if any(i["counts"].values())
            }
            assert by_department == _folded(direct), label
            seen += sum(v["cases"] for v in _folded(direct).values())
        if numbers:
            assert seen > 0  # the comparison saw the cases opened here
    finally:
        admin_sql.execute(
            "DELETE FROM supervision_complaints WHERE content LIKE %s", (f"%{marker}%",)
        )
        ids_ = [
            r[0]
            for r in admin_sql.execute(
                "SELECT id FROM cases WHERE submitter LIKE %s", (f"%{marker}%",)
            ).fetchall()
        ]
        for table in ("supervision_evaluations", "supervision_case_facts"):
            admin_sql.execute(f"DELETE FROM {table} WHERE case_id = ANY(%s)", (ids_,))
        purge_cases(admin_sql, f"%{marker}%")


#: every month the seeder's year before `SEED_NOW` touches, a quarter and the year
SEED_PERIODS = (
    *(f"2025-{m:02d}" for m in (11, 12)),
    *(f"2026-{m:02d}" for m in range(1, 12)),
    "2026-Q2",
    "2026",
)


async def _agrees(
    sessions: async_sessionmaker[AsyncSession], installed: TenantTree, code: str
) -> int:
    """Rollup and direct counts agree over `code`'s subtree for every seeded period;
    how many cases the direct counts saw."""
    scope = TenantScope.subtree(installed.node(code).id, installed.subtree_ids(code))
    ids = sorted(scope.visible_tenant_ids)
    seen = 0
    for label in SEED_PERIODS:
        period = parse_period(label)
        async with unit_of_work(sessions, actor="test", scope=scope) as uow:
            direct = await cross_tenant.cross_tenant_metric_rows_direct(uow.session, ids, period)
            rolled = await cross_tenant.cross_tenant_metric_rows(uow.session, ids, period)
            per_tenant = await cross_tenant.cross_tenant_metric_rows(
                uow.session, ids, period, departments=False
            )
        assert _folded(rolled) == _folded(direct), label
        assert _folded(per_tenant, False) == _folded(direct, False), label
        if "-Q" not in label and label != "2026":  # each month once
            seen += sum(v["cases"] for v in _folded(direct).values())
    return seen


async def test_seeded_cases_count_in_the_rollup_exactly(
    sessions: async_sessionmaker[AsyncSession],
    installed: TenantTree,
    admin_sql: psycopg.Connection,
    settings: Settings,
    seeding: Seeding,
) -> None:
    """The seeder defers the rollup's triggers and adds its batches' counts itself; the
    rollup then agrees with the direct counts, and so it does after a recount from the
    raw rows (`yiwang supervision rebuild-rollup`) of a rollup made wrong on purpose."""
    seeded_cases = seeding.tenant_id
    before = await _agrees(sessions, installed, "620100")
    seeder = CaseSeeder(seeding.units, seeding.tree, 21, lambda *a: None, now=SEED_NOW, workers=2)
    seeded = await seeder.run(900)
    assert min(seeded.written[t] for t in ("supervision_evaluations", "case_outbox")) > 0
    assert seeded.written["supervision_complaints"] > 0
    assert await _agrees(sessions, installed, "620100") == before + 900
    # the triggers were deferred only inside the seeder's transactions
    assert admin_sql.execute(
        "SELECT count(*) FROM pg_trigger WHERE tgname = 'cases_rollup_insert'"
        " AND pg_get_triggerdef(oid) LIKE '%yiwang.rollup_deferred%'"
    ).fetchone() == (1,)

    admin_sql.execute(
        "UPDATE supervision_rollup SET cases = cases + 7, red_period = red_period + 1"
        " WHERE tenant_id = %s",
        (seeded_cases,),
    )
    admin_sql.execute(
        "DELETE FROM supervision_warning_months WHERE tenant_id = %s", (seeded_cases,)
    )
    with pytest.raises(AssertionError):
        await _agrees(sessions, installed, "620100")
    owner = create_engine(settings.migration_database_url, pool_size=1)
    try:
        async with unit_of_work(
            session_factory(owner), actor="test", scope=TenantScope.single(seeded_cases)
        ) as uow:
            rows = await RollupRepository(uow.session).rebuild(seeded_cases)
    finally:
        await owner.dispose()
    assert rows > 0
    assert await _agrees(sessions, installed, "620100") == before + 900


def test_rebuild_rollup_command_recounts_a_tenant(
    migrated: Settings, installed: TenantTree, admin_sql: psycopg.Connection
) -> None:
    tenant_id = installed.node(SEEDED).id
    result = CliRunner().invoke(
        supervision_group,
        ["rebuild-rollup", "--tenants", SEEDED],
        obj=migrated,
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    rows = admin_sql.execute(
        "SELECT count(*) FROM supervision_rollup WHERE tenant_id = %s", (tenant_id,)
    ).fetchone()
    assert rows is not None
    assert json.loads(result.output)["tenants"] == 1
    assert json.loads(result.output)["rows"] == rows[0]


def test_cases_and_outbox_run_one_trigger_per_event(
    migrated: Settings, admin_sql: psycopg.Connection
) -> None:
    """Opening a case pays one trigger call per table it writes, not one per rollup
    (`0029`: every trigger call ran while the day's case counter was locked)."""
    rows = admin_sql.execute(
        "SELECT c.relname, e.event, count(*) FROM pg_trigger t"
        " JOIN pg_class c ON c.oid = t.tgrelid"
        " CROSS JOIN (VALUES (4, 'insert'), (8, 'delete'), (16, 'update')) e(bit, event)"
        " WHERE NOT t.tgisinternal AND t.tgtype & e.bit <> 0"
        " AND c.relname IN ('cases', 'case_outbox') GROUP BY 1, 2 ORDER BY 1, 2"
    ).fetchall()
    assert rows == [
        ("case_outbox", "delete", 1),
        ("case_outbox", "insert", 1),
        ("cases", "delete", 1),
        ("cases", "insert", 1),
        ("cases", "update", 1),
    ]


async def test_a_question_does_not_move_the_complaint_closure_rate(
    sessions: async_sessionmaker[AsyncSession],
    installed: TenantTree,
    admin_sql: psycopg.Connection,
) -> None:
    """投诉办结率 counts complaints (投诉) only: a question (咨询) filed or answered
    leaves it and the complaint count as they were, a complaint moves them; the rollup
    agrees with the direct count throughout (migration 0021)."""
    marker = uuid.uuid4().hex[:12]
    department = f"q{marker}"  # a department of this test's own: one metrics row
    clock = Clock()
    clock.now = datetime(2026, 8, 10, 9, 0, tzinfo=CST)
    scope = TenantScope.single(installed.node(CHENGGUAN).id)
    prefecture = TenantScope.subtree(installed.node("620100").id, installed.subtree_ids("620100"))

    async def file(kind: str) -> int:
        async with unit_of_work(sessions, actor="test", scope=scope) as uow:
            return await SupervisionService(uow, installed, clock=clock).complain(
                CHENGGUAN, f"{kind} {marker}", department=department, kind=kind
            )

    async def close(complaint_id: int) -> None:
        clock.now += timedelta(hours=3)
        async with unit_of_work(sessions, actor="test", scope=scope) as uow:
            await SupervisionService(uow, installed, clock=clock).close_complaint(
                CHENGGUAN, complaint_id, "已答复"
            )

    async def figures() -> tuple[int, float | None, float | None]:
        period = parse_period("2026-08")
        ids = sorted(prefecture.visible_tenant_ids)
        async with unit_of_work(sessions, actor="test", scope=prefecture) as uow:
            direct = await cross_tenant.cross_tenant_metric_rows_direct(uow.session, ids, period)
            rolled = await cross_tenant.cross_tenant_metric_rows(uow.session, ids, period)
            served = await SupervisionService(uow, installed, clock=clock).metrics(
                {"period": ["2026-08"], "by": ["department"]}
            )
        assert _folded(rolled) == _folded(direct)
        [mine] = [i for i in served["items"] if i["department"] == department]
        return mine["complaints"], mine["complaint_closure_rate"], mine["average_closing_hours"]

    try:
        await close(await file("complaint"))
        assert await figures() == (1, 1.0, 3.0)
        question = await file("question")
        assert await figures() == (1, 1.0, 3.0)
        await close(question)
        assert await figures() == (1, 1.0, 3.0)
        await file("complaint")
        assert await figures() == (2, 0.5, 3.0)
    finally:
        admin_sql.execute(
            "DELETE FROM supervision_complaints WHERE content LIKE %s", (f"%{marker}%",)
        )
