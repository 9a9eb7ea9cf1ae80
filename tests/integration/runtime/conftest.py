"""Fixtures for the runtime's HTTP tests: an app wired to the real services, citizens
signed in by SMS, and the attachments they leave behind removed afterwards."""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import psycopg
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from litestar.types import ControllerRouterHandler

from tests.integration.stack import Stack
from yiwang.app import ROUTES, Platform, build_platform, create_app
from yiwang.platform.settings import Settings
from yiwang.policy.identity.passwords import HashingParameters, PasswordHashing
from yiwang.policy.identity.sms import read_sms_log
from yiwang.runtime.attachments.settings import AttachmentSettings
from yiwang.runtime.jobs.settings import JobSettings
from yiwang.tenants.tree import TenantTree

CHENGGUAN = "620102"
QILIHE = "620103"
#: what a field without `max_size` allows in these tests, so "too large" stays small
MAX_SIZE = 100_000


@dataclass
class Citizen:
    account_id: int
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"authorization": f"Bearer {self.token}"}


@dataclass
class Running:
    client: AsyncTestClient[Litestar]
    platform: Platform


def test_platform(settings: Settings, *, jobs: str, queue: str) -> Platform:
    return build_platform(
        settings,
        hashing=PasswordHashing(HashingParameters.for_tests()),
        job_settings=JobSettings(
            redis_url=settings.redis_url, mode=jobs, queue_name=queue, concurrency=2
        ),
        attachment_settings=AttachmentSettings(
            environment=settings.environment,
            storage_backend=settings.storage_backend,
            default_max_size=MAX_SIZE,
        ),
    )


@asynccontextmanager
async def running_app(
    settings: Settings,
    *,
    jobs: str = "inline",
    queue: str | None = None,
    routes: Sequence[ControllerRouterHandler] = ROUTES,
    **overrides: Any,
) -> AsyncIterator[Running]:
    """The whole app on the real services; jobs inline unless asked otherwise.

    The test client runs the app on an event loop of its own: `platform` is for reading
    settings; a test that calls services uses `side_platform`, built on its own loop."""
    configured = replace(settings, **overrides)
    platform = test_platform(configured, jobs=jobs, queue=queue or f"test-{uuid.uuid4().hex[:8]}")
    app = create_app(configured, platform=platform, routes=routes)
    async with AsyncTestClient(app=app, base_url="http://127.0.0.1:8000") as client:
        yield Running(client, platform)


@asynccontextmanager
async def side_platform(
    settings: Settings, *, queue: str, jobs: str = "queue"
) -> AsyncIterator[Platform]:
    """Another process's worth of services on the test's own event loop (a worker's)."""
    platform = test_platform(settings, jobs=jobs, queue=queue)
    async with platform.running():
        yield platform


@pytest.fixture
def attachment_rows(admin_sql: psycopg.Connection) -> Iterator[Callable[[], int]]:
    """Counts the attachments table; rows the test added are removed afterwards."""
    before = {r[0] for r in admin_sql.execute("SELECT id FROM attachments").fetchall()}

    def count() -> int:
        row = admin_sql.execute("SELECT count(*) FROM attachments").fetchone()
        assert row is not None
        return int(row[0])

    yield count
    after = {r[0] for r in admin_sql.execute("SELECT id FROM attachments").fetchall()}
    if after - before:
        admin_sql.execute("DELETE FROM attachments WHERE id = ANY(%s)", (list(after - before),))


@pytest.fixture
async def citizens(
    services: Stack, tag: str, tmp_path: Path, admin_sql: psycopg.Connection
) -> AsyncIterator[Callable[[], Awaitable[Citizen]]]:
    """Signs in new citizens by SMS code; their accounts are removed afterwards."""
    made: list[int] = []

    async def make() -> Citizen:
        serial = int(tag, 16) + len(made) * 7919
        phone = "139" + str(serial % 10**8).zfill(8)
        # one address per citizen: the SMS limits count per address too
        ip = f"10.{serial >> 16 & 255}.{serial >> 8 & 255}.{serial & 255}"
        await services.run(services.login.request_sms_code, phone, ip=ip)
        text = read_sms_log(tmp_path / "sms.log")[-1]["text"]
        code = re.search(r"验证码为 (\d{6})", text)
        assert code is not None
        signed = await services.run(services.login.sms_login, phone, code.group(1), ip=ip)
        made.append(signed.account_id)
        return Citizen(signed.account_id, signed.token)

    yield make
    if made:
        admin_sql.execute("DELETE FROM accounts WHERE id = ANY(%s)", (made,))


@pytest.fixture
def tenant_ids(installed: TenantTree) -> dict[str, int]:
    return {code: installed.node(code).id for code in (CHENGGUAN, QILIHE)}
