"""Two provinces on one deployment: a synthetic one onboarded beside Gansu is complete the
moment it exists, and nothing of either reaches the other (metadata, grants, subsites,
calendars). The province-level queries to come add their own boundary test."""

from __future__ import annotations

import psycopg
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.integration.http_client import client_for
from tests.integration.provinces import SHIYAN
from tests.integration.stack import Stack
from tests.integration.staff import make_staff
from yiwang.metadata.versions.install import completes_onboarding
from yiwang.metadata.versions.model_cache import ModelCache
from yiwang.metadata.versions.service import MetadataService
from yiwang.platform.settings import Settings
from yiwang.platform.tenant_context import TenantScope
from yiwang.platform.unit_of_work import unit_of_work
from yiwang.policy.catalogue import load_catalogue
from yiwang.policy.enforcer import user_subject
from yiwang.tenants.calendars.service import Calendars
from yiwang.tenants.onboarding.service import Onboarding, OnboardResult
from yiwang.tenants.tree import TenantTree


async def _quiet(version: int) -> None:
    return None


async def _onboard(sessions: async_sessionmaker[AsyncSession], root: Settings) -> OnboardResult:
    step = completes_onboarding(ModelCache(None), root.templates_root)
    async with unit_of_work(sessions, actor="test") as uow:
        return await Onboarding(uow, root.templates_root, _quiet, (step,)).onboard(
            divisions=SHIYAN, template_name="standard"
        )


ROLES = load_catalogue(Settings().templates_root)


async def _effective_hash(sessions: async_sessionmaker[AsyncSession], code: str) -> str:
    async with unit_of_work(sessions, actor="test") as uow:
        tree = await TenantTree.load(uow.session)
        await uow.use_scope(TenantScope.single(tree.node(code).id))
        model = await MetadataService(uow, tree, ModelCache(None), ROLES).effective(code)
        return model.content_hash


async def test_a_second_province_is_complete_and_separate(
    migrated: Settings,
    sessions: async_sessionmaker[AsyncSession],
    installed: TenantTree,
    services: Stack,
    cleanup: str,
    admin_sql: psycopg.Connection,
    purge_shiyan: None,
) -> None:
    gansu_before = await _effective_hash(sessions, "620102")
    result = await _onboard(sessions, migrated)
    assert len(result.tenants_created) == 5

    # Metadata: the new province got its base in the same unit; Gansu's models are untouched,
    # and no Gansu overlay (兰州市's hotline field) reaches the new province.
    async with unit_of_work(sessions, actor="test") as uow:
        tree = await TenantTree.load(uow.session)
        assert {r.code for r in tree.roots} >= {"620000", "990000"}
        await uow.use_scope(TenantScope.single(tree.node("990102").id))
        service = MetadataService(uow, tree, ModelCache(None), ROLES)
        model = await service.effective("990102")
        assert [layer.tenant for layer in model.layers] == ["990000"]
        assert "x_lz_hotline_code" not in model.document("service_item")["fields"]
    assert await _effective_hash(sessions, "620102") == gansu_before

    # Grants: an administrator of the new province reaches none of Gansu.
    await make_staff(services, f"sy.{cleanup}", "990000", [("province_admin", "990000", True)])
    await services.sync.refresh()
    row = admin_sql.execute("SELECT id FROM accounts WHERE login = %s", (f"sy.{cleanup}",))
    subject, holder = user_subject(row.fetchone()[0]), services.sync.holder  # type: ignore[index]
    assert holder.allowed(subject, "/990000/990100/990102", "tenant", "write") is True
    assert holder.allowed(subject, "/620000/620100/620102", "tenant", "write") is False
    assert holder.allowed(subject, "/620000", "metadata", "publish") is False

    # Calendars: each province keeps its own; a year imported for one leaves the other alone.
    async with unit_of_work(sessions, actor="test") as uow:
        tree = await TenantTree.load(uow.session)
        calendars = Calendars(uow, tree)
        gansu_2026 = await calendars.entries_for("620102", 2026)
        assert gansu_2026 and await calendars.entries_for("990102", 2026) == []
        await calendars.replace_year("990000", 2026, "date,kind,name\n2026-06-01,holiday,试验节\n")
    async with unit_of_work(sessions, actor="test") as uow:
        calendars = Calendars(uow, await TenantTree.load(uow.session))
        assert [e.name for e in await calendars.entries_for("990201", 2026)] == ["试验节"]
        assert await calendars.entries_for("620102", 2026) == gansu_2026

    # Subsites: each region's pages name only its own province.
    async with client_for(migrated) as client:
        county = await client.get("/r/990102/")
        assert county.status_code == 200 and "甲市一区" in county.text
        assert "甘肃" not in county.text
        gansu = await client.get("/r/620102/")
        assert gansu.status_code == 200 and "试验省" not in gansu.text
        home = await client.get("/")
        assert "试验省" in home.text and "甘肃省" in home.text
