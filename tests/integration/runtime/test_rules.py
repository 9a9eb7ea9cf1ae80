"""Aggregate and unique rules from the metadata, enforced inside the transaction."""

from __future__ import annotations

import asyncio
from typing import Any

import psycopg
import pytest
from sqlalchemy import text

from tests.integration.runtime.conftest import Runtime, special_fund
from yiwang.runtime.records.errors import RuleBroken

PROVINCE = "620000"


async def _fill(runtime: Runtime, department: str, year: int, count: int) -> list[int]:
    ids = []
    for n in range(1, count + 1):
        async with runtime.records(PROVINCE) as records:
            made = await records.create("special_fund", special_fund(department, year, n=n))
            ids.append(made.id)
    return ids


async def test_two_concurrent_creates_at_the_cap_exactly_one_succeeds(
    runtime: Runtime, tag: str, admin_sql: psycopg.Connection
) -> None:
    """每个主管部门每年 3 至 5 项: four exist, two writers race for the fifth place."""
    department = f"r{tag}"
    await _fill(runtime, department, 2040, 4)
    entered = asyncio.Event()

    async def create(n: int) -> str:
        try:
            async with runtime.records(PROVINCE) as records:
                await records.create("special_fund", special_fund(department, 2040, n=n))
                entered.set()
                await asyncio.sleep(0.3)  # commit late: the other writer is counting meanwhile
        except RuleBroken as exc:
            assert [d.code for d in exc.details] == ["records.rule_max"]
            assert exc.details[0].params["limit"] == 5
            return "refused"
        return "created"

    first = asyncio.create_task(create(5))
    await entered.wait()
    outcomes = [await create(6), await first]
    assert sorted(outcomes) == ["created", "refused"]
    count = admin_sql.execute(
        "SELECT count(*) FROM records WHERE type_key = 'special_fund' AND department = %s",
        (department,),
    ).fetchone()
    assert count == (5,)


async def _waiting_on_a_lock(admin_sql: psycopg.Connection, pid: int) -> bool:
    """Whether backend `pid` is blocked on a heavyweight lock (the rule's advisory lock)."""
    for _ in range(200):
        row = admin_sql.execute(
            "SELECT wait_event_type, wait_event FROM pg_stat_activity WHERE pid = %s", (pid,)
        ).fetchone()
        if row == ("Lock", "advisory"):
            return True
        await asyncio.sleep(0.025)
    return False


async def test_two_writers_inside_their_transactions_at_once_one_takes_the_last_place(
    runtime: Runtime, tag: str, admin_sql: psycopg.Connection
) -> None:
    """Four funds of a department and year exist (max 5): two units of work, on two
    connections, both inside their transactions before either inserts. Each insert would
    pass alone; together exactly one passes and the other gets the rule's error."""
    department = f"b{tag}"
    await _fill(runtime, department, 2042, 4)
    barrier = asyncio.Barrier(2)
    pids: dict[int, int] = {}
    blocked: list[bool] = []

    async def writer(n: int) -> str:
        try:
            async with runtime.records(PROVINCE) as records:
                session = records.uow.session
                pids[n] = int((await session.execute(text("SELECT pg_backend_pid()"))).scalar_one())
                await session.execute(text("SELECT txid_current()"))  # the transaction has begun
                await barrier.wait()
                await records.create("special_fund", special_fund(department, 2042, n=n))
                # the winner commits only once the other writer waits on the rule's lock
                other = next(p for k, p in pids.items() if k != n)
                blocked.append(await _waiting_on_a_lock(admin_sql, other))
        except RuleBroken as exc:
            detail = exc.details[0]
            assert [d.code for d in exc.details] == ["records.rule_max"]
            assert (detail.params["rule"], detail.params["count"], detail.params["limit"]) == (
                "per_department",
                5,
                5,
            )
            assert detail.pointer == "/rules/per_department"
            return "refused"
        return "created"

    outcomes = await asyncio.gather(writer(5), writer(6))
    assert sorted(outcomes) == ["created", "refused"]
    assert len(set(pids.values())) == 2  # two connections
    assert blocked == [True]  # the loser was inside its transaction, queued on the lock
    count = admin_sql.execute(
        "SELECT count(*) FROM records WHERE type_key = 'special_fund' AND department = %s",
        (department,),
    ).fetchone()
    assert count == (5,)


async def test_racing_writers_without_a_head_start_still_stop_at_the_cap(
    runtime: Runtime, tag: str, admin_sql: psycopg.Connection
) -> None:
    department = f"s{tag}"
    await _fill(runtime, department, 2041, 3)

    async def create(n: int) -> bool:
        try:
            async with runtime.records(PROVINCE) as records:
                await records.create("special_fund", special_fund(department, 2041, n=n))
        except RuleBroken:
            return False
        return True

    outcomes = await asyncio.gather(*(create(n) for n in range(10, 16)))
    assert sum(outcomes) == 2
    count = admin_sql.execute(
        "SELECT count(*) FROM records WHERE department = %s AND deleted_at IS NULL",
        (department,),
    ).fetchone()
    assert count == (5,)


async def test_a_where_condition_selects_the_rule(runtime: Runtime, tag: str) -> None:
    """单一职能部门每年 1 项 counts only single-function funds."""
    department = f"w{tag}"
    async with runtime.records(PROVINCE) as records:
        await records.create("special_fund", special_fund(department, 2042, single_function=True))
    with pytest.raises(RuleBroken) as info:
        async with runtime.records(PROVINCE) as records:
            await records.create(
                "special_fund", special_fund(department, 2042, n=2, single_function=True)
            )
    detail = info.value.details[0]
    assert detail.pointer == "/rules/single_function_department"
    assert detail.params["group"] == f"主管部门={department}，年度=2042"
    # the other rule's group is another set: an ordinary fund of the same department passes
    async with runtime.records(PROVINCE) as records:
        made = await records.create("special_fund", special_fund(department, 2042, n=3))
    assert made.status_code == 201


async def test_an_update_into_a_full_group_is_refused(runtime: Runtime, tag: str) -> None:
    department = f"u{tag}"
    await _fill(runtime, department, 2043, 5)
    async with runtime.records(PROVINCE) as records:
        elsewhere = await records.create("special_fund", special_fund(department, 2044))
    moved: dict[str, Any] = dict(elsewhere.body["data"], fiscal_year=2043, start_year=2043)
    with pytest.raises(RuleBroken):
        async with runtime.records(PROVINCE) as records:
            await records.update("special_fund", elsewhere.id, moved, expected_version=1)
    # staying in its own group is no entry: renaming a member of the full group passes
    async with runtime.records(PROVINCE) as records:
        members = await records.repo.group(
            [records.tenant.id],
            "special_fund",
            (("competent_department", "text", department), ("fiscal_year", "integer", 2043)),
            exclude_id=None,
            with_data=True,
        )
        assert len(members) == 5
        first = (await _fill_ids(records, department, 2043))[0]
        view = await records.get("special_fund", first)
        renamed = await records.update(
            "special_fund", first, dict(view.data, fund_name="改名"), expected_version=view.version
        )
    assert renamed.version == view.version + 1


async def _fill_ids(records: Any, department: str, year: int) -> list[int]:
    from sqlalchemy import text

    rows = await records.uow.session.execute(
        text(
            "SELECT id FROM records WHERE tenant_id = :t AND department = :d"
            " AND (data->>'fiscal_year')::int = :y ORDER BY id"
        ),
        {"t": records.tenant.id, "d": department, "y": year},
    )
    return [int(r.id) for r in rows]


async def test_a_unique_rule_refuses_a_second_record(
    runtime: Runtime, samples: dict[str, Any]
) -> None:
    """实施编码不得重复: a second service item with the sample's implementation code."""
    async with runtime.records("620102") as records:
        first = await records.get("service_item", samples["individual_business"])
    copy = dict(first.data, task_name="重复的事项")
    with pytest.raises(RuleBroken) as info:
        async with runtime.records("620102") as records:
            await records.create("service_item", copy)
    assert [d.code for d in info.value.details] == ["records.rule_unique"]
    assert info.value.details[0].params["group"] == "实施编码=11620102224201266J4000114001000"
