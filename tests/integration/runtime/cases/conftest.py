"""Fixtures for the cases room: the service over real PostgreSQL, a fixed clock, cleanup."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

import psycopg
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from yiwang.metadata.versions.model_cache import ModelCache
from yiwang.platform.tenant_context import TenantScope
from yiwang.platform.unit_of_work import UnitOfWork, unit_of_work
from yiwang.runtime.cases.service import CasesService, RouteSpecs
from yiwang.tenants.tree import TenantTree

CHENGGUAN = "620102"
#: 食品经营许可 on its licensing route, as a client posts it: 城关区 promises 5 working days
FOOD_APPLICATION = {
    "service_item": "SI-0001",
    "form": "food_business_license",
    "route": "licensing",
    "implementing_department": "scjgj",
    "data": {"contact_phone": "13800000000"},
}
CASE_TABLES = ("case_certificates", "case_tasks", "case_outbox", "case_events")


def purge_cases(admin_sql: psycopg.Connection, pattern: str) -> None:
    ids = [
        r[0]
        for r in admin_sql.execute(
            "SELECT id FROM cases WHERE submitter LIKE %s", (pattern,)
        ).fetchall()
    ]
    for table in CASE_TABLES:
        admin_sql.execute(f"DELETE FROM {table} WHERE case_id = ANY(%s)", (ids,))
    admin_sql.execute("DELETE FROM cases WHERE id = ANY(%s)", (ids,))


@pytest.fixture
def own_cases(admin_sql: psycopg.Connection, tag: str) -> Iterator[str]:
    """Removes the cases whose submitter carries this test's tag."""
    yield tag
    purge_cases(admin_sql, f"%{tag}%")


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


CaseUnit = Callable[..., Any]


@pytest.fixture
def case_unit(
    sessions: async_sessionmaker[AsyncSession], installed: TenantTree
) -> Callable[..., Any]:
    """`async with case_unit(clock, actor) as (uow, cases)`: one committing unit of work in
    Chengguan's scope, with a cases service on the given clock."""
    models = ModelCache(None)
    specs = RouteSpecs()
    tenant_id = installed.node(CHENGGUAN).id

    @asynccontextmanager
    async def unit(
        clock: Clock, actor: str = "test", code: str = CHENGGUAN
    ) -> AsyncIterator[tuple[UnitOfWork, CasesService]]:
        scope = TenantScope.single(installed.node(code).id if code else tenant_id)
        async with unit_of_work(sessions, actor=actor, scope=scope) as uow:
            yield uow, CasesService(uow, installed, models, specs, clock=clock)

    return unit
