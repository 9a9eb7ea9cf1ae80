"""Fixtures for the runtime's integration tests: an app wired to the real services,
citizens signed in by SMS (their attachments removed afterwards), and record and list
services acting as one tenant.

Records are tenant data that stays in the test database (it is recreated per
run); each test makes its own values (a tag in names, departments and years)
so tests never count each other's records.
"""

from __future__ import annotations

import asyncio
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
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.integration.stack import Stack
from yiwang.app import ROUTES, Platform, build_platform, create_app
from yiwang.metadata.versions.model_cache import ModelCache
from yiwang.platform.message_log import read_messages
from yiwang.platform.settings import Settings
from yiwang.platform.tenant_context import TenantScope
from yiwang.platform.unit_of_work import unit_of_work
from yiwang.policy.identity.passwords import HashingParameters, PasswordHashing
from yiwang.runtime.attachments.settings import AttachmentSettings
from yiwang.runtime.dependencies import build_seal
from yiwang.runtime.jobs.definitions import JobDefinition
from yiwang.runtime.jobs.queue import SYSTEM_OWNER
from yiwang.runtime.jobs.settings import JobSettings
from yiwang.runtime.lists.service import ListService
from yiwang.runtime.records.privacy import PiiSeal
from yiwang.runtime.records.service import EffectiveIds, RecordService
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


async def run_cron_job(settings: Settings, app: Running, job: JobDefinition) -> dict[str, Any]:
    """A cron job (a sweep) enqueued as the scheduler enqueues it, run by the app's worker;
    its result once complete."""
    async with side_platform(settings, queue=app.platform.jobs.settings.queue_name) as side:
        key = f"{job.name}:{uuid.uuid4().hex}"
        await side.jobs.enqueue(job, key=key, owner=SYSTEM_OWNER, kwargs={})
        for _ in range(600):
            done = await side.jobs.status(key)
            if done is not None and done.finished:
                break
            await asyncio.sleep(0.1)
    assert done is not None and done.state == "complete", done
    assert done.result is not None
    return done.result


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
) -> AsyncIterator[Callable[..., Awaitable[Citizen]]]:
    """Signs in new citizens by SMS code (a given phone, or one of the test's own); their accounts are removed afterwards."""
    made: list[int] = []

    async def make(phone: str | None = None) -> Citizen:
        serial = int(tag, 16) + len(made) * 7919
        phone = phone or "139" + str(serial % 10**8).zfill(8)
        # one address per citizen: the SMS limits count per address too
        ip = f"10.{serial >> 16 & 255}.{serial >> 8 & 255}.{serial & 255}"
        await services.run(services.login.request_sms_code, phone, ip=ip)
        text = read_messages(tmp_path / "sms.log")[-1]["text"]
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


class Runtime:
    """Record and list services of one tenant, each call in a unit of work of its own."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        tree: TenantTree,
        models: ModelCache,
        seal: PiiSeal,
    ) -> None:
        self.sessions = sessions
        self.tree = tree
        self.models = models
        self.seal = seal
        self.ids = EffectiveIds()

    @asynccontextmanager
    async def records(
        self, code: str, actor: str = "test", scope: TenantScope | None = None
    ) -> AsyncIterator[RecordService]:
        scope = scope or TenantScope.single(self.tree.node(code).id)
        async with unit_of_work(self.sessions, actor=actor, scope=scope) as uow:
            yield RecordService(uow, self.tree, self.models, self.seal, self.ids)

    @asynccontextmanager
    async def lists(
        self, code: str, actor: str = "test", scope: TenantScope | None = None
    ) -> AsyncIterator[ListService]:
        scope = scope or TenantScope.single(self.tree.node(code).id)
        async with unit_of_work(self.sessions, actor=actor, scope=scope) as uow:
            yield ListService(uow, self.tree, self.models, self.seal)


@pytest.fixture(scope="session")
def seal(migrated: Settings) -> PiiSeal:
    return build_seal(migrated)


@pytest.fixture(scope="session")
def runtime(
    installed: TenantTree, sessions: async_sessionmaker[AsyncSession], seal: PiiSeal
) -> Runtime:
    return Runtime(sessions, installed, ModelCache(None, poll_seconds=0.0), seal)


def special_fund(department: str, year: int, **extra: Any) -> dict[str, Any]:
    """A valid special fund of `department` and `year`."""
    return {
        "fund_name": f"{department} 专项资金 {extra.pop('n', 1)}",
        "fund_kind": "1",
        "competent_department": department,
        "competent_department_name": f"测试部门 {department}",
        "fiscal_year": year,
        "budget_amount": 12_000_000,
        "start_year": year,
        "end_year": year + 2,
        "management_rules": "《专项资金管理办法》：明确支持范围、分配方式、绩效管理和监督检查。",
        "performance_target": "资金按时下达率 100%。",
        **extra,
    }


@pytest.fixture(scope="session")
async def samples(runtime: Runtime, migrated: Settings) -> dict[str, Any]:
    """The bundled samples loaded as records, and an offline service item beside them."""
    from yiwang.runtime.records.repository import RecordRepository
    from yiwang.runtime.records.samples import load_sample_records, sample_number

    async with unit_of_work(runtime.sessions, actor="samples") as uow:
        made = await load_sample_records(
            uow, runtime.tree, runtime.models, runtime.seal, migrated.templates_root, runtime.ids
        )
    chengguan = runtime.tree.node("620102")
    async with runtime.records("620102") as records:
        repo = RecordRepository(records.uow.session)
        first = await repo.find_by_number(chengguan.id, sample_number(chengguan, "service_item", 0))
        assert first is not None
        offline = await repo.find_by_number(chengguan.id, "620102-T-offline")
        if offline is None:
            data, _ = records.values_of(first)
            data = {k: v for k, v in data.items() if k not in ("online_depth", "online_url")}
            data.update(
                is_online=False,
                task_name="个体工商户设立登记（窗口）",
                catalog_code="000114999001",
                task_code="11620102224201266J4000114999001",
            )
            data.pop("task_handle_item", None)
            created = await records.create("service_item", data, number="620102-T-offline")
            offline_id = created.id
        else:
            offline_id = offline.id
    return {"made": made, "individual_business": first.id, "offline_service": offline_id}
