"""Shared fixtures. Integration tests use the real services that `make test` starts;
the settings come from the environment it exports (see scripts/services.sh)."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import psycopg
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from yiwang.migrations.registry import import_all_models
from yiwang.platform import migrate
from yiwang.platform.database import create_engine, session_factory
from yiwang.platform.settings import Settings
from yiwang.platform.unit_of_work import unit_of_work
from yiwang.runtime.records.commands import mark_leakproof
from yiwang.tenants.onboarding.service import Onboarding, OnboardResult

import_all_models()


@pytest.fixture(scope="session")
def settings() -> Settings:
    return replace(Settings.from_env(), strict_tenant_context=True, log_level="WARNING")


@pytest.fixture(scope="session")
def admin_dsn() -> str:
    """A superuser connection, for tests that must act behind the application's back."""
    dsn = os.environ.get("YIWANG_PG_ADMIN_URL")
    if not dsn:
        pytest.fail("YIWANG_PG_ADMIN_URL is not set: run the suite through `make test`")
    return dsn.rsplit("/", 1)[0] + "/yiwang"


@pytest.fixture(scope="session")
def migrated(settings: Settings, admin_dsn: str) -> Settings:
    migrate.upgrade(settings)
    # the superuser's one step after the migrations, as `yiwang bootstrap` does
    mark_leakproof(admin_dsn, settings)
    return settings


@pytest.fixture(scope="session")
async def engine(migrated: Settings) -> AsyncIterator[AsyncEngine]:
    eng = create_engine(migrated.database_url, pool_size=5, strict_context=True)
    yield eng
    await eng.dispose()


@pytest.fixture(scope="session")
def sessions(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return session_factory(engine)


async def _nothing_to_announce(version: int) -> None:
    return None


async def onboard_in_unit(
    sessions: async_sessionmaker[AsyncSession], templates_root: Path, **kw: Any
) -> OnboardResult:
    """Onboard in one unit of work acting as the test (no running workers to tell)."""
    async with unit_of_work(sessions, actor="test") as uow:
        return await Onboarding(uow, templates_root, _nothing_to_announce).onboard(**kw)


@pytest.fixture(scope="session")
async def gansu(migrated: Settings, sessions: async_sessionmaker[AsyncSession]) -> dict[str, int]:
    """The Gansu tree, onboarded once per run; maps division code to tenant id."""
    from yiwang.tenants.repository import TenantRepository

    raw = (migrated.templates_root / "gansu-divisions.csv").read_bytes()
    await onboard_in_unit(sessions, migrated.templates_root, divisions=raw, template_name="gansu")
    async with sessions() as session:
        return {t.code: t.id for t in await TenantRepository(session).all()}


@pytest.fixture
def admin_sql(admin_dsn: str) -> Iterator[psycopg.Connection]:
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        yield conn
