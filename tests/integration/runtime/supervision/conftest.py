"""Fixtures: cases written as the cases room stores them (rows only: supervision reads
them), a fixed clock, and cleanup of everything a test's tag marks; the county the case
seeder writes into; the app over HTTP and its signed-in staff."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import psycopg
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.integration.stack import Stack
from tests.integration.staff import make_staff, sign_in
from yiwang.app import Platform, build_platform, create_app
from yiwang.platform.settings import Settings
from yiwang.platform.tenant_context import TenantScope
from yiwang.platform.unit_of_work import UnitOfWork, unit_of_work
from yiwang.policy.identity.passwords import HashingParameters, PasswordHashing
from yiwang.tenants.tree import TenantTree

SUPERVISION_TABLES = (
    "supervision_orders",
    "supervision_complaints",
    "supervision_evaluations",
    "supervision_case_facts",
    "case_outbox",
    "case_events",
)


def purge(admin_sql: psycopg.Connection, pattern: str) -> None:
    ids = [
        r[0]
        for r in admin_sql.execute(
            "SELECT id FROM cases WHERE submitter LIKE %s", (pattern,)
        ).fetchall()
    ]
    admin_sql.execute(
        "DELETE FROM supervision_orders WHERE case_id = ANY(%s) OR reason LIKE %s",
        (ids, pattern),
    )
    admin_sql.execute(
        "DELETE FROM supervision_complaints WHERE case_id = ANY(%s) OR content LIKE %s",
        (ids, pattern),
    )
    for table in SUPERVISION_TABLES[2:]:
        admin_sql.execute(f"DELETE FROM {table} WHERE case_id = ANY(%s)", (ids,))
    admin_sql.execute("DELETE FROM cases WHERE id = ANY(%s)", (ids,))


#: the county the case seeder's tests write into (榆中县, under 兰州市 620100)
SEEDED = "620123"
#: the seeder's "now" in these tests: its year of cases ends here
SEED_NOW = datetime(2026, 11, 20, 4, 0, tzinfo=UTC)


def last_case_id(admin_sql: psycopg.Connection) -> int:
    """The largest case id so far: the cases written next come after it."""
    row = admin_sql.execute("SELECT coalesce(max(id), 0) FROM cases").fetchone()
    assert row is not None
    return int(row[0])


@dataclass(frozen=True)
class Seeding:
    """Where a test runs `CaseSeeder`: the county as a tree of its own, and the units the
    seeder writes through."""

    tenant_id: int
    tree: TenantTree
    #: the largest case id before the test: the cases it writes come after it
    after: int
    sessions: async_sessionmaker[AsyncSession]

    def units(self, scope: TenantScope | None = None) -> AbstractAsyncContextManager[UnitOfWork]:
        return unit_of_work(self.sessions, actor="test", scope=scope)


@pytest.fixture
def seeding(
    admin_sql: psycopg.Connection,
    installed: TenantTree,
    sessions: async_sessionmaker[AsyncSession],
) -> Iterator[Seeding]:
    """The seeded county; the cases the test wrote there, and their rows, removed after it
    (the rollup's triggers take their counts back out, and the outbox's delete trigger the
    warning months)."""
    node = installed.node(SEEDED)
    after = last_case_id(admin_sql)
    yield Seeding(node.id, TenantTree.of([node]), after, sessions)
    ids = [
        r[0]
        for r in admin_sql.execute(
            "SELECT id FROM cases WHERE tenant_id = %s AND id > %s", (node.id, after)
        ).fetchall()
    ]
    for table in SUPERVISION_TABLES:
        admin_sql.execute(
            f"DELETE FROM {table} WHERE tenant_id = %s AND case_id = ANY(%s)", (node.id, ids)
        )
    admin_sql.execute("DELETE FROM cases WHERE tenant_id = %s AND id = ANY(%s)", (node.id, ids))


AddCase = Callable[..., int]


def insert_case(
    admin_sql: psycopg.Connection,
    tenant_id: int,
    number: str,
    submitter: str,
    *,
    submitted_at: datetime,
    status: str = "in_review",
    updated_at: datetime | None = None,
    promised_due: date | None = None,
    colour: str | None = "green",
    department: str = "scjgj",
    service_item: str = "SI-0001",
    form_data: dict[str, Any] | None = None,
) -> int:
    """One case row as the cases room stores it; its id."""
    row = admin_sql.execute(
        "INSERT INTO cases (tenant_id, number, service_item, form_key, route_key,"
        " route_version, route_definition, form_data, state, version, status, submitter,"
        " submitted_at, updated_at, promised_due, colour)"
        " VALUES (%s, %s, %s, 'application', 'standard', 'v1', '{}', %s, %s, 1, %s, %s,"
        " %s, %s, %s, %s) RETURNING id",
        (
            tenant_id,
            number,
            service_item,
            json.dumps(form_data or {}),
            json.dumps({"implementing_department": department}),
            status,
            submitter,
            submitted_at,
            updated_at or submitted_at,
            promised_due,
            colour,
        ),
    ).fetchone()
    assert row is not None
    return int(row[0])


@pytest.fixture
def add_case(admin_sql: psycopg.Connection, installed: TenantTree, tag: str) -> Iterator[AddCase]:
    """`add_case(code, n, submitted_at=..., status=..., ...)`: one case row; its id."""

    def add(code: str, n: int, **fields: Any) -> int:
        tenant_id = installed.node(code).id
        return insert_case(
            admin_sql, tenant_id, f"{code}-{tag[:8]}-{n:06d}", f"account:{tag}", **fields
        )

    yield add
    purge(admin_sql, f"%{tag}%")


@pytest.fixture
async def app(
    migrated: Settings, installed: TenantTree, tmp_path: Path
) -> AsyncIterator[tuple[Litestar, Platform]]:
    """The app as `create_app` builds it; its SMS log under the test's `tmp_path`."""
    platform = build_platform(
        replace(migrated, var_dir=tmp_path),
        hashing=PasswordHashing(HashingParameters.for_tests()),
        policy_poll_seconds=0.2,
    )
    yield create_app(platform=platform), platform


async def signed_in_staff(
    client: AsyncTestClient[Litestar],
    services: Stack,
    platform: Platform,
    login: str,
    grants: list[tuple[str, str, bool]],
    tenant: str,
) -> dict[str, str]:
    """A new staff account with `grants`, once the app's policy has them; its bearer headers."""
    secret = await make_staff(services, login, tenant, grants)
    async with asyncio.timeout(3):
        while platform.policy.sync.holder.version < services.sync.holder.version:  # noqa: ASYNC110
            await asyncio.sleep(0.01)
    return await sign_in(client, login, secret)
