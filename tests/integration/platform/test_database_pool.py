"""Pooled connections without pre-ping: a backend terminated between two requests costs
the next request nothing, because the checkout sees the closed socket and reconnects."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace

import psycopg
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncEngine

from yiwang.app import build_platform, create_app
from yiwang.platform.database import closed_by_server, create_engine, drop_if_closed_by_server
from yiwang.platform.settings import Settings

ROUTE = "/api/v1/t/620102/calendar/2026"  # public, and reads the database on every request


@asynccontextmanager
async def client_and_engine(
    settings: Settings, **overrides: object
) -> AsyncIterator[tuple[AsyncTestClient[Litestar], AsyncEngine]]:
    platform = build_platform(replace(settings, **overrides))  # type: ignore[arg-type]
    app = create_app(platform=platform)
    async with AsyncTestClient(app=app, base_url="http://127.0.0.1:8000") as client:
        yield client, platform.engine


def _terminate(admin_sql: psycopg.Connection, pid: int) -> None:
    # the second argument waits until the backend is gone
    row = admin_sql.execute("SELECT pg_terminate_backend(%s, 5000)", (pid,)).fetchone()
    assert row == (True,)


def _terminate_app_backends(admin_sql: psycopg.Connection) -> int:
    """End every backend of the application's role, as a restarting server would; the
    app under test (pool of one, running on the client's own event loop) loses its
    pooled connection among them. Other engines of the suite reconnect the same way."""
    rows = admin_sql.execute(
        "SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity"
        " WHERE usename = 'yiwang_app' AND pid <> pg_backend_pid()"
    ).fetchall()
    return sum(1 for (ended,) in rows if ended)


async def test_the_request_after_a_terminated_backend_succeeds(
    migrated: Settings, gansu: dict[str, int], admin_sql: psycopg.Connection
) -> None:
    async with client_and_engine(migrated, database_pool_size=1) as (client, _):
        first = await client.get(ROUTE)
        assert first.status_code == 200, first.text
        assert _terminate_app_backends(admin_sql) >= 1

        second = await client.get(ROUTE)

        assert second.status_code == 200, second.text
        assert second.json() == first.json()


async def test_without_the_checkout_probe_that_request_would_fail(
    migrated: Settings, gansu: dict[str, int], admin_sql: psycopg.Connection
) -> None:
    """The control: what the probe saves the request from (pre-ping is gone too)."""
    async with client_and_engine(migrated, database_pool_size=1) as (client, engine):
        event.remove(engine.sync_engine.pool, "checkout", drop_if_closed_by_server)
        assert (await client.get(ROUTE)).status_code == 200
        assert _terminate_app_backends(admin_sql) >= 1

        failed = await client.get(ROUTE)
        recovered = await client.get(ROUTE)

    assert failed.status_code == 500
    # the failure invalidated the pool: the request after it reconnects
    assert recovered.status_code == 200


async def test_the_probe_sees_a_terminated_backend_on_a_real_connection(
    migrated: Settings, admin_sql: psycopg.Connection
) -> None:
    engine = create_engine(migrated.database_url, pool_size=1)
    try:
        async with engine.connect() as conn:
            raw = await conn.get_raw_connection()
            driver = raw.driver_connection
            pid = int((await conn.execute(text("SELECT pg_backend_pid()"))).scalar_one())
            await conn.rollback()
            assert driver is not None
            assert not closed_by_server(driver.pgconn.socket)
            _terminate(admin_sql, pid)
            assert closed_by_server(driver.pgconn.socket)
            await conn.invalidate()
    finally:
        await engine.dispose()


@pytest.mark.parametrize(("workers", "expected"), [(1, 40), (2, 20), (4, 10)])
async def test_the_app_pool_is_sized_for_the_worker_count(
    migrated: Settings, workers: int, expected: int
) -> None:
    async with client_and_engine(migrated, workers=workers, database_max_connections=40) as (
        _,
        engine,
    ):
        assert engine.pool.size() == expected  # type: ignore[attr-defined]
