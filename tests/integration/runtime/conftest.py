"""Runtime integration fixtures: record and list services acting as one tenant.

Records are tenant data that stays in the test database (it is recreated per
run); each test makes its own values (a tag in names, departments and years)
so tests never count each other's records.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from yiwang.metadata.versions.model_cache import ModelCache
from yiwang.platform.settings import Settings
from yiwang.platform.tenant_context import TenantScope
from yiwang.platform.unit_of_work import unit_of_work
from yiwang.runtime.dependencies import build_seal
from yiwang.runtime.lists.service import ListService
from yiwang.runtime.records.privacy import PiiSeal
from yiwang.runtime.records.service import EffectiveIds, RecordService
from yiwang.tenants.tree import TenantTree


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
