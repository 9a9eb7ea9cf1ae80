"""Cross-tenant queries through the subtree scope of row-level security: the tenant
in every row, overlay fields only when asked for, bounds that say when they are hit,
and nothing at all of a tenant outside the subtree."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.integration.runtime.supervision.conftest import AddCase
from yiwang.platform.tenant_context import TenantScope
from yiwang.platform.unit_of_work import unit_of_work
from yiwang.runtime.supervision.errors import SupervisionQueryInvalid
from yiwang.runtime.supervision.service import SupervisionService
from yiwang.tenants.tree import TenantTree

AT = datetime(2026, 11, 10, 2, 0, tzinfo=UTC)


def _lanzhou(tree: TenantTree) -> TenantScope:
    return TenantScope.subtree(tree.node("620100").id, tree.subtree_ids("620100"))


async def _run(
    sessions: async_sessionmaker[AsyncSession],
    scope: TenantScope,
    tree: TenantTree,
    fn: str,
    params: dict[str, list[str]],
) -> dict:
    async with unit_of_work(sessions, actor="test", scope=scope) as uow:
        return await getattr(SupervisionService(uow, tree), fn)(params)  # type: ignore[no-any-return]


async def test_a_prefecture_reads_its_subtree_and_nothing_else(
    sessions: async_sessionmaker[AsyncSession], installed: TenantTree, add_case: AddCase, tag: str
) -> None:
    for i, code in enumerate(("620102", "620103", "620102", "620200")):
        add_case(
            code,
            i,
            submitted_at=AT + timedelta(minutes=i),
            form_data={"x_school": "一中"} if code == "620103" else {},
        )
    mine = {"filter.submitted_at.gte": [AT.isoformat()], "filter.number.in": []}
    params = {"filter.submitted_at.gte": [AT.isoformat()], "fields": ["x_school"]}
    page = await _run(sessions, _lanzhou(installed), installed, "cross_tenant_cases", params)
    ours = [r for r in page["items"] if tag[:8] in r["number"]]
    # newest first, the tenant in each row; Jiayuguan (620200) is outside Lanzhou's subtree
    assert [(r["tenant"]["code"], r["overlay"]["x_school"]) for r in ours] == [
        ("620102", None),
        ("620103", "一中"),
        ("620102", None),
    ]
    assert page["truncated"] is False
    # asking for the outside tenant by name gives nothing, and says nothing about it
    outside = await _run(
        sessions,
        _lanzhou(installed),
        installed,
        "cross_tenant_cases",
        {**params, "filter.tenant": ["620200"]},
    )
    assert outside["items"] == []
    unknown = await _run(
        sessions,
        _lanzhou(installed),
        installed,
        "cross_tenant_cases",
        {**params, "filter.tenant": ["999999"]},
    )
    assert unknown == outside
    assert mine  # the unused shape above documents an `in` filter needs values


async def test_the_row_bound_says_when_it_was_hit(
    sessions: async_sessionmaker[AsyncSession], installed: TenantTree, add_case: AddCase
) -> None:
    for i in range(3):
        add_case("620102", i, submitted_at=AT + timedelta(days=400, minutes=i))
    since = {"filter.submitted_at.gte": [(AT + timedelta(days=400)).isoformat()]}
    two = await _run(
        sessions, _lanzhou(installed), installed, "cross_tenant_cases", {**since, "limit": ["2"]}
    )
    three = await _run(
        sessions, _lanzhou(installed), installed, "cross_tenant_cases", {**since, "limit": ["3"]}
    )
    assert (len(two["items"]), two["truncated"]) == (2, True)
    assert (len(three["items"]), three["truncated"]) == (3, False)


async def test_counts_group_by_tenant_level_and_status(
    sessions: async_sessionmaker[AsyncSession], installed: TenantTree, add_case: AddCase
) -> None:
    base = AT + timedelta(days=800)
    add_case("620102", 1, submitted_at=base, status="completed")
    add_case("620102", 2, submitted_at=base, status="in_review")
    add_case("620103", 3, submitted_at=base, status="in_review")
    add_case("620200", 4, submitted_at=base, status="in_review")
    since = {"filter.submitted_at.gte": [base.isoformat()]}
    by_tenant = await _run(
        sessions,
        _lanzhou(installed),
        installed,
        "cross_tenant_counts",
        {**since, "group": ["tenant,status"]},
    )
    assert sorted((i["tenant"]["code"], i["status"], i["count"]) for i in by_tenant["items"]) == [
        ("620102", "completed", 1),
        ("620102", "in_review", 1),
        ("620103", "in_review", 1),
    ]
    by_level = await _run(
        sessions,
        _lanzhou(installed),
        installed,
        "cross_tenant_counts",
        {**since, "group": ["level"]},
    )
    assert by_level["items"] == [{"level": "county", "count": 3}]
    assert by_level["total"] == 3


async def test_bad_input_is_refused_with_pointers(
    sessions: async_sessionmaker[AsyncSession], installed: TenantTree
) -> None:
    with pytest.raises(SupervisionQueryInvalid) as caught:
        await _run(
            sessions,
            _lanzhou(installed),
            installed,
            "cross_tenant_counts",
            {"group": ["x_school"], "period": ["2026-00"]},
        )
    assert [(d.code, d.pointer) for d in caught.value.details] == [
        ("supervision.group_unindexed", "/group"),
        ("supervision.period_invalid", "/period"),
    ]
