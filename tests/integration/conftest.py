"""Fixtures for integration tests: real PostgreSQL, Redis and S3 API server.

Identity and policy services work with their own logins (a random suffix) and
remove their accounts and rules afterwards through the admin connection, so the
shared database is left as found (audit records are append-only and stay).
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import psycopg
import pytest
import redis
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.integration.http_app import Http
from tests.integration.provinces import purge_shiyan  # noqa: F401  (a fixture)
from tests.integration.server_process import server  # noqa: F401  (a fixture)
from tests.integration.stack import Stack
from yiwang.app import build_platform, create_app
from yiwang.metadata.versions.install import install_templates
from yiwang.metadata.versions.model_cache import ModelCache
from yiwang.platform.cache import Cache
from yiwang.platform.settings import Settings
from yiwang.platform.unit_of_work import unit_of_work
from yiwang.policy.dependencies import build_policy
from yiwang.policy.identity.dependencies import build_identity
from yiwang.policy.identity.passwords import HashingParameters, PasswordHashing
from yiwang.policy.identity.sms import DevelopmentSmsGateway
from yiwang.tenants.directory import TenantDirectory
from yiwang.tenants.tree import TenantTree


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "/integration/" in str(item.fspath):
            item.add_marker(pytest.mark.integration)


@pytest.fixture(autouse=True)
def fresh_throttles() -> None:
    """Sign-in counters of earlier tests (the test client signs in from one address)
    never throttle this one."""
    client = redis.Redis.from_url(Settings.from_env().redis_url)
    try:
        for pattern in ("yiwang:rate:login_ip:*", "yiwang:rate:sms_ip:*", "yiwang:throttle:*"):
            keys = list(client.scan_iter(pattern))
            if keys:
                client.delete(*keys)
    except redis.RedisError:
        pass  # tests that need Redis fail on their own
    finally:
        client.close()


@pytest.fixture
def tag() -> str:
    return uuid.uuid4().hex[:8]


@pytest.fixture
def cleanup(admin_sql: psycopg.Connection, tag: str) -> Iterator[str]:
    """Removes the rules and accounts whose logins carry this test's tag."""
    yield tag
    ids = [
        r[0]
        for r in admin_sql.execute(
            "SELECT id FROM accounts WHERE login LIKE %s", (f"%{tag}%",)
        ).fetchall()
    ]
    subjects = [f"user:{i}" for i in ids]
    if subjects:
        admin_sql.execute("DELETE FROM casbin_rule WHERE v0 = ANY(%s)", (subjects,))
    admin_sql.execute("DELETE FROM casbin_rule WHERE ptype = 'p' AND v2 LIKE %s", (f"%{tag}%",))
    admin_sql.execute("DELETE FROM account_activations WHERE account_id = ANY(%s)", (ids,))
    admin_sql.execute("DELETE FROM accounts WHERE id = ANY(%s)", (ids,))


@pytest.fixture
async def services(
    migrated: Settings,
    gansu: dict[str, int],
    sessions: async_sessionmaker[AsyncSession],
    tmp_path: Path,
) -> AsyncIterator[Stack]:
    cache = Cache(migrated.redis_url)
    directory = TenantDirectory(sessions, cache)
    await directory.load()
    policy = build_policy(migrated, sessions, cache, poll_seconds=0.2)
    identity = build_identity(
        migrated,
        cache,
        sessions,
        is_admin=policy.is_admin,
        sms_gateway=DevelopmentSmsGateway(tmp_path / "sms.log"),
        hashing=PasswordHashing(HashingParameters.for_tests()),
    )
    built = Stack(sessions, cache, directory, policy, identity)
    await policy.sync.start()
    try:
        yield built
    finally:
        # Bounded, so a stuck background task fails the teardown instead of hanging the suite.
        await asyncio.wait_for(policy.sync.stop(), 10)
        await asyncio.wait_for(cache.close(), 10)


@pytest.fixture(scope="session")
async def tree(sessions: async_sessionmaker[AsyncSession], gansu: dict[str, int]) -> TenantTree:
    async with sessions() as session:
        return await TenantTree.load(session)


@pytest.fixture(scope="session")
async def installed(
    migrated: Settings, sessions: async_sessionmaker[AsyncSession], tree: TenantTree
) -> TenantTree:
    """The template base model and example overlays, published once (idempotent)."""
    async with unit_of_work(sessions, actor="test") as uow:
        await install_templates(uow, tree, ModelCache(None), migrated.templates_root)
    return tree


@pytest.fixture
async def http(migrated: Settings, services: Stack) -> AsyncIterator[Http]:
    """The app as `create_app` builds it, with its own engine, cache and services."""
    platform = build_platform(
        migrated, hashing=PasswordHashing(HashingParameters.for_tests()), policy_poll_seconds=0.2
    )
    async with AsyncTestClient(app=create_app(platform=platform)) as client:
        yield Http(client, platform, services)
