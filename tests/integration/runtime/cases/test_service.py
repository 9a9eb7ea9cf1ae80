"""Cases over real PostgreSQL: lifecycle, timeline, outbox, audit, races, numbers, deadlines."""

from __future__ import annotations

import asyncio
import random
from datetime import date, datetime, timedelta, timezone
from typing import Any

import psycopg
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.integration.runtime.cases.conftest import CHENGGUAN, Clock
from yiwang.metadata.versions.model_cache import ModelCache
from yiwang.platform.database import create_engine, session_factory
from yiwang.platform.errors import Conflict, PermissionDenied, YiwangError
from yiwang.platform.settings import Settings
from yiwang.platform.tenant_context import TenantScope
from yiwang.platform.unit_of_work import unit_of_work
from yiwang.runtime.cases.schemas import Application
from yiwang.runtime.cases.service import CasesService, RouteSpecs
from yiwang.runtime.cases.sweep import sweep
from yiwang.runtime.routes.actions import (
    Accept,
    Actor,
    Approve,
    Complete,
    Decide,
    RequestSupplement,
    Resubmit,
)
from yiwang.runtime.routes.spec import parse_route
from yiwang.tenants.tree import TenantTree

CST = timezone(timedelta(hours=8))
DEPT = "scjgj"


def staff(login: str, *roles: str, department: str | None = DEPT) -> Actor:
    return Actor(id=login, tenant=CHENGGUAN, roles=frozenset(roles), department=department)


def citizen(login: str) -> Actor:
    return Actor(id=login, tenant=CHENGGUAN, roles=frozenset({"citizen"}))


def application(**kw: Any) -> Application:
    values: dict[str, Any] = {
        "service_item": "SI-0001",
        "form": "application",
        "route": "standard",
        "implementing_department": DEPT,
        "data": {"contact_phone": "13800000000", "email": "a@example.cn"},
    }
    values.update(kw)
    return Application(**values)


def counts(admin_sql: psycopg.Connection, number: str) -> tuple[int, int, int, int]:
    row = admin_sql.execute(
        "SELECT c.version,"
        " (SELECT count(*) FROM case_events e WHERE e.case_id = c.id AND e.tenant_id = c.tenant_id),"
        " (SELECT count(*) FROM case_outbox o WHERE o.case_id = c.id AND o.tenant_id = c.tenant_id),"
        " (SELECT count(*) FROM audit_log a WHERE a.object_type = 'case' AND a.object_id = c.number)"
        " FROM cases c WHERE c.number = %s",
        (number,),
    ).fetchone()
    assert row is not None
    return int(row[0]), int(row[1]), int(row[2]), int(row[3])


async def test_lifecycle_writes_timeline_outbox_audit_and_tasks(
    case_unit: Any, own_cases: str, admin_sql: psycopg.Connection
) -> None:
    tag = own_cases
    clock = Clock(datetime(2026, 3, 2, 9, 0, tzinfo=CST))
    applicant, clerk = f"citizen-{tag}", f"clerk-{tag}"
    reviewer, leader = f"reviewer-{tag}", f"leader-{tag}"
    async with case_unit(clock, applicant) as (_, cases):
        opened = await cases.open(CHENGGUAN, application(), citizen(applicant))
    assert opened.status == "submitted"
    assert opened.number.startswith(f"{CHENGGUAN}-20260302-")
    steps = [
        (clerk, Accept(comment="材料齐全"), ("window_clerk",)),
        (reviewer, Approve(task="review", comment="同意"), ("dept_reviewer",)),
        (
            leader,
            Decide(outcome="approved", legal_basis="《行政许可法》第三十八条"),
            ("dept_leader",),
        ),
        (clerk, Complete(comment="已送达"), ("window_clerk",)),
    ]
    for login, action, roles in steps:
        async with case_unit(clock, login) as (_, cases):
            await cases.act(CHENGGUAN, opened.number, action, staff(login, *roles))
    async with case_unit(clock) as (_, cases):
        view = await cases.view(CHENGGUAN, opened.number, citizen(applicant), staff=False)
    assert view.status == "completed"
    assert view.decision is not None and view.decision["outcome"] == "approved"
    kinds = [e.kind for e in view.timeline]
    assert kinds[0] == "submitted" and "accepted" in kinds and kinds[-1] == "completed"
    assert [e.seq for e in view.timeline] == sorted(e.seq for e in view.timeline)
    approved = next(e for e in view.timeline if e.kind == "approved")
    assert approved.actor == reviewer and approved.comment == "同意"
    version, events, outbox, audits = counts(admin_sql, opened.number)
    assert version == view.version
    assert events == len(view.timeline) and outbox == events  # one outbox row per event
    assert audits == 5  # open + four transitions
    assert view.tasks == []
    left = admin_sql.execute(
        "SELECT count(*) FROM case_tasks t JOIN cases c ON c.id = t.case_id"
        " AND c.tenant_id = t.tenant_id WHERE c.number = %s",
        (opened.number,),
    ).fetchone()
    assert left is not None and left[0] == 0


async def test_refused_actions_change_nothing(
    case_unit: Any, own_cases: str, admin_sql: psycopg.Connection
) -> None:
    tag = own_cases
    clock = Clock(datetime(2026, 3, 2, 9, 0, tzinfo=CST))
    applicant = f"citizen-{tag}"
    async with case_unit(clock, applicant) as (_, cases):
        opened = await cases.open(CHENGGUAN, application(), citizen(applicant))
    before = counts(admin_sql, opened.number)
    refusals: list[tuple[Any, Actor, type[YiwangError], str]] = [
        # a reviewer may not accept (the role of the accept step is window_clerk)
        (
            Accept(),
            staff(f"reviewer-{tag}", "dept_reviewer"),
            PermissionDenied,
            "routes.role_required",
        ),
        # the applicant may not act as staff on their own case
        (
            Accept(),
            Actor(id=applicant, tenant=CHENGGUAN, roles=frozenset({"window_clerk"})),
            PermissionDenied,
            "routes.own_case",
        ),
        # no skipping: the decision step is not active
        (
            Decide(outcome="approved", legal_basis="x"),
            staff(f"leader-{tag}", "dept_leader"),
            Conflict,
            "routes.action_not_allowed",
        ),
        # a staff member of another tenant
        (
            Accept(),
            Actor(id=f"clerk-{tag}", tenant="620103", roles=frozenset({"window_clerk"})),
            PermissionDenied,
            "routes.wrong_tenant",
        ),
    ]
    for action, actor, kind, code in refusals:
        with pytest.raises(kind) as caught:
            async with case_unit(clock, actor.id) as (_, cases):
                await cases.act(CHENGGUAN, opened.number, action, actor)
        assert caught.value.code == code
    assert counts(admin_sql, opened.number) == before


async def test_double_submission_of_one_record_makes_one_case(
    case_unit: Any, own_cases: str, admin_sql: psycopg.Connection
) -> None:
    tag = own_cases
    record = random.randint(10**12, 10**13)
    clock = Clock(datetime(2026, 3, 3, 9, 0, tzinfo=CST))
    applicant = f"citizen-{tag}"

    async def submit() -> str:
        async with case_unit(clock, applicant) as (_, cases):
            return (
                await cases.open(CHENGGUAN, application(record_id=record), citizen(applicant))
            ).number

    results = await asyncio.gather(submit(), submit(), return_exceptions=True)
    numbers = [r for r in results if isinstance(r, str)]
    errors = [r for r in results if isinstance(r, BaseException)]
    assert len(numbers) == 1 and len(errors) == 1
    assert isinstance(errors[0], Conflict) and errors[0].code == "cases.already_submitted"
    with pytest.raises(Conflict) as again:
        await submit()
    assert again.value.code == "cases.already_submitted"
    rows = admin_sql.execute(
        "SELECT count(*) FROM cases WHERE record_id = %s", (record,)
    ).fetchone()
    assert rows is not None and rows[0] == 1


ANY_ROUTE = {
    "label": "或签测试",
    "steps": [
        {"key": "accept", "label": "受理", "kind": "accept", "role": "window_clerk"},
        {
            "key": "review",
            "label": "或签审查",
            "kind": "review",
            "role": "dept_reviewer",
            "mode": "any",
            "on_reject": "reject_case",
        },
        {"key": "decide", "label": "决定", "kind": "decide", "role": "dept_leader"},
    ],
}


async def test_two_approvers_race_on_an_any_step(
    case_unit: Any, own_cases: str, installed: TenantTree, admin_sql: psycopg.Connection
) -> None:
    tag = own_cases
    spec = parse_route("application", "any_review", ANY_ROUTE)
    clock = Clock(datetime(2026, 3, 4, 9, 0, tzinfo=CST))
    applicant, clerk = f"citizen-{tag}", f"clerk-{tag}"
    async with case_unit(clock, applicant) as (_, cases):
        opened = await cases.open_on(
            installed.node(CHENGGUAN), spec, application(route="any_review"), citizen(applicant)
        )
    async with case_unit(clock, clerk) as (_, cases):
        await cases.act(CHENGGUAN, opened.number, Accept(), staff(clerk, "window_clerk"))

    async def approve(login: str) -> str:
        async with case_unit(clock, login) as (_, cases):
            done = await cases.act(
                CHENGGUAN, opened.number, Approve(task="review"), staff(login, "dept_reviewer")
            )
            await asyncio.sleep(0.05)  # hold the row lock while the other one waits
            return done.status

    results = await asyncio.gather(
        approve(f"r1-{tag}"), approve(f"r2-{tag}"), return_exceptions=True
    )
    wins = [r for r in results if isinstance(r, str)]
    losses = [r for r in results if isinstance(r, BaseException)]
    assert wins == ["in_review"] and len(losses) == 1
    assert isinstance(losses[0], Conflict), losses[0]
    assert losses[0].code == "routes.task_closed"
    approvals = admin_sql.execute(
        "SELECT count(*) FROM case_events e JOIN cases c ON c.id = e.case_id"
        " AND c.tenant_id = e.tenant_id WHERE c.number = %s AND e.kind = 'approved'",
        (opened.number,),
    ).fetchone()
    assert approvals is not None and approvals[0] == 1


async def test_case_numbers_under_fifty_concurrent_submitters(
    migrated: Settings, installed: TenantTree, own_cases: str, admin_sql: psycopg.Connection
) -> None:
    """No gap, no duplicate, even when some submitting transactions roll back."""
    tag = own_cases
    day = date(2031, 1, 1) + timedelta(days=random.randint(0, 3000))
    clock = Clock(datetime(day.year, day.month, day.day, 10, 0, tzinfo=CST))
    engine = create_engine(migrated.database_url, pool_size=25, max_overflow=30)
    sessions = session_factory(engine)
    models, specs = ModelCache(None), RouteSpecs()
    tenant = installed.node(CHENGGUAN)

    class Abandoned(Exception):
        pass

    async def submit(i: int) -> str:
        login = f"citizen-{tag}-{i}"
        async with unit_of_work(sessions, actor=login, scope=TenantScope.single(tenant.id)) as uow:
            cases = CasesService(uow, installed, models, specs, clock=clock)
            opened = await cases.open(CHENGGUAN, application(), citizen(login))
            if i % 10 == 7:
                raise Abandoned(opened.number)  # rolls back its serial with it
            return opened.number

    try:
        results = await asyncio.gather(*(submit(i) for i in range(50)), return_exceptions=True)
    finally:
        await engine.dispose()
    numbers = sorted(r for r in results if isinstance(r, str))
    assert all(isinstance(r, Abandoned) for r in results if not isinstance(r, str)), results
    assert len(numbers) == 45 and len(set(numbers)) == 45
    serials = sorted(int(n.rsplit("-", 1)[1]) for n in numbers)
    assert serials == list(range(1, 46))
    assert all(n.startswith(f"{CHENGGUAN}-{day:%Y%m%d}-") for n in numbers)
    stored = admin_sql.execute(
        "SELECT last FROM case_counters WHERE tenant_id = %s AND day = %s", (tenant.id, day)
    ).fetchone()
    assert stored is not None and stored[0] == 45


async def test_supplement_stops_the_clock_once_and_resubmission_resumes_it(
    case_unit: Any, own_cases: str, admin_sql: psycopg.Connection
) -> None:
    tag = own_cases
    applicant, clerk = f"citizen-{tag}", f"clerk-{tag}"
    food = application(form="food_business_license", route="licensing")
    clock = Clock(datetime(2026, 3, 2, 9, 0, tzinfo=CST))  # Monday
    async with case_unit(clock, applicant) as (_, cases):
        opened = await cases.open(CHENGGUAN, food, citizen(applicant))

    def deadlines() -> tuple[Any, ...]:
        row = admin_sql.execute(
            "SELECT promised_due, promised_left, statutory_due, statutory_left, next_check"
            " FROM cases WHERE number = %s",
            (opened.number,),
        ).fetchone()
        assert row is not None
        return tuple(row)

    # Chengguan promises 5 working days (statutory 20): from Monday 2 March, Monday 9 March
    assert deadlines()[0] == date(2026, 3, 9) and deadlines()[2] == date(2026, 3, 30)
    clock.now = datetime(2026, 3, 4, 9, 0, tzinfo=CST)  # Wednesday: 3 working days left
    async with case_unit(clock, clerk) as (_, cases):
        await cases.act(
            CHENGGUAN,
            opened.number,
            RequestSupplement(missing=("健康证明",)),
            staff(clerk, "window_clerk"),
        )
    assert deadlines() == (None, 3, None, 18, None)
    clock.now = datetime(2026, 3, 11, 9, 0, tzinfo=CST)  # a week later, Wednesday
    async with case_unit(clock, applicant) as (_, cases):
        await cases.act(CHENGGUAN, opened.number, Resubmit(), citizen(applicant))
    # 3 working days from Wednesday 11 March: Monday 16 March
    assert deadlines()[0] == date(2026, 3, 16) and deadlines()[1] is None
    async with case_unit(clock, clerk) as (_, cases):
        with pytest.raises(Conflict) as once:
            await cases.act(
                CHENGGUAN,
                opened.number,
                RequestSupplement(missing=("营业执照",)),
                staff(clerk, "window_clerk"),
            )
    assert once.value.code == "routes.supplement_once"


async def test_sweep_across_the_national_day_holidays(
    case_unit: Any,
    own_cases: str,
    installed: TenantTree,
    sessions: async_sessionmaker[AsyncSession],
    admin_sql: psycopg.Connection,
) -> None:
    tag = own_cases
    applicant = f"citizen-{tag}"
    food = application(form="food_business_license", route="licensing")
    clock = Clock(datetime(2026, 9, 29, 9, 0, tzinfo=CST))  # Tuesday before 国庆
    async with case_unit(clock, applicant) as (_, cases):
        opened = await cases.open(CHENGGUAN, food, citizen(applicant))

    def state() -> tuple[Any, ...]:
        row = admin_sql.execute(
            "SELECT promised_due, warn_on, colour, next_check FROM cases WHERE number = %s",
            (opened.number,),
        ).fetchone()
        assert row is not None
        return tuple(row)

    # Chengguan promises 5 working days: 30 Sep, (1-7 Oct off), 8, 9, Sat 10 (调休), Mon 12;
    # the yellow day is the working day before: Saturday 10 October
    assert state() == (date(2026, 10, 12), date(2026, 10, 10), "green", date(2026, 10, 10))

    async def sweep_on(day: date) -> None:
        at = datetime(day.year, day.month, day.day, 1, 0, tzinfo=CST)
        async with unit_of_work(sessions, actor="system:cases.sweep") as uow:
            await sweep(uow, installed, at)

    await sweep_on(date(2026, 10, 7))  # counted in calendar weekdays it would be overdue
    assert state()[2] == "green"
    await sweep_on(date(2026, 10, 9))
    assert state()[2] == "green"
    await sweep_on(date(2026, 10, 10))
    assert state()[2:] == ("yellow", date(2026, 10, 13))
    await sweep_on(date(2026, 10, 12))  # the deadline day itself: not yet overdue
    assert state()[2] == "yellow"
    await sweep_on(date(2026, 10, 13))
    assert state()[2:] == ("red", None)
    await sweep_on(date(2026, 10, 14))  # nothing left to do for this case
    warnings = admin_sql.execute(
        "SELECT o.kind, o.payload->>'phone' FROM case_outbox o JOIN cases c ON c.id = o.case_id"
        " AND c.tenant_id = o.tenant_id WHERE c.number = %s AND o.kind LIKE 'deadline.%%'"
        " ORDER BY o.id",
        (opened.number,),
    ).fetchall()
    assert [tuple(w) for w in warnings] == [
        ("deadline.yellow", "13800000000"),
        ("deadline.red", "13800000000"),
    ]


async def test_inbox_sorted_by_due_day_and_coloured(case_unit: Any, own_cases: str) -> None:
    tag = own_cases
    applicant, clerk = f"citizen-{tag}", f"clerk-{tag}"
    reviewer = staff(f"reviewer-{tag}", "dept_reviewer")
    food = application(form="food_business_license", route="licensing")
    numbers = []
    # accepted on Monday 2 and Wednesday 4 March; the review step has 3 working days
    for day in (4, 2):
        clock = Clock(datetime(2026, 3, day, 9, 0, tzinfo=CST))
        async with case_unit(clock, applicant) as (_, cases):
            opened = await cases.open(CHENGGUAN, food, citizen(applicant))
        async with case_unit(clock, clerk) as (_, cases):
            await cases.act(CHENGGUAN, opened.number, Accept(), staff(clerk, "window_clerk"))
        numbers.append(opened.number)
    later, earlier = numbers

    async def inbox(day: int, who: Actor = reviewer) -> list[tuple[str, Any, Any]]:
        clock = Clock(datetime(2026, 3, day, 9, 0, tzinfo=CST))
        async with case_unit(clock, who.id) as (_, cases):
            items = await cases.inbox(CHENGGUAN, who)
        return [(i.number, i.due_on, i.colour) for i in items if i.number in numbers]

    assert await inbox(4) == [
        (earlier, date(2026, 3, 5), "green"),
        (later, date(2026, 3, 9), "green"),
    ]
    assert await inbox(5) == [
        (earlier, date(2026, 3, 5), "yellow"),
        (later, date(2026, 3, 9), "green"),
    ]
    assert await inbox(6) == [
        (earlier, date(2026, 3, 5), "red"),
        (later, date(2026, 3, 9), "green"),
    ]
    # another department's reviewer, and the applicant, see none of them
    assert await inbox(6, staff(f"other-{tag}", "dept_reviewer", department="wjw")) == []
    assert (
        await inbox(
            6,
            Actor(
                id=applicant, tenant=CHENGGUAN, roles=frozenset({"dept_reviewer"}), department=DEPT
            ),
        )
        == []
    )
