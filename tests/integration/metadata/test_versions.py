"""Versions and publishing against PostgreSQL: draft, validate, preview, publish, rollback."""

from __future__ import annotations

import copy
from typing import Any

import psycopg
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from yiwang.metadata.documents.errors import MetadataInvalid
from yiwang.metadata.resolution.resolve import base_layer, overlay_chain, resolve
from yiwang.metadata.versions.bundled import load_base_model, load_overlays
from yiwang.metadata.versions.install import install_templates
from yiwang.metadata.versions.model_cache import ModelCache
from yiwang.platform.errors import Conflict, NotFound
from yiwang.platform.settings import Settings
from yiwang.platform.tenant_context import TenantScope, apply_scope
from yiwang.platform.unit_of_work import unit_of_work
from yiwang.tenants.tree import TenantTree

from .conftest import metadata_unit

COUNTY = "620103"  # 七里河区: no example overlay of its own

SHORTER = {
    "tenant": COUNTY,
    "label": "七里河区扩展",
    "documents": {"food_business_license": {"routes": {"licensing": {"promised_days": 8}}}},
}


async def test_installing_templates_is_idempotent(
    migrated: Settings, sessions: async_sessionmaker[AsyncSession], installed: TenantTree
) -> None:
    async with unit_of_work(sessions, actor="test") as uow:
        again = await install_templates(uow, installed, ModelCache(None), migrated.templates_root)
    assert again == []


async def test_database_model_equals_the_template_model(
    migrated: Settings,
    sessions: async_sessionmaker[AsyncSession],
    installed: TenantTree,
    models: ModelCache,
) -> None:
    root = migrated.templates_root
    expected = resolve(
        "620102",
        base_layer("620000", load_base_model(root)),
        overlay_chain("620102", installed.parents(), load_overlays(root)),
    )
    async with metadata_unit(sessions, installed, models, "620102") as service:
        model = await service.effective("620102")
    assert model.content_hash == expected.content_hash
    assert model.versions == expected.versions
    assert models.models.get("620102", model.versions) is model


async def test_publish_an_overlay_then_roll_it_back(
    sessions: async_sessionmaker[AsyncSession],
    installed: TenantTree,
    models: ModelCache,
    admin_sql: psycopg.Connection,
    restore: None,
) -> None:
    async with metadata_unit(sessions, installed, models, COUNTY) as service:
        await service.save_draft(COUNTY, SHORTER)
        assert await service.validate_draft(COUNTY) == []
        changes = [c.as_dict() for c in await service.diff_draft(COUNTY)]
        assert changes == [
            {
                "kind": "changed",
                "pointer": "/documents/food_business_license/routes/licensing/promised_days",
                "before": 10,
                "after": 8,
            }
        ]
        first = await service.publish(COUNTY, note="压缩时限")
        assert (first.kind, first.number) == ("overlay", 1)
        assert await service.draft(COUNTY) is None
    await models.announce(first.generation)

    async with metadata_unit(sessions, installed, models, COUNTY) as service:
        food = await service.document(COUNTY, "food_business_license")
        assert food["routes"]["licensing"]["promised_days"] == 8
        second_body = copy.deepcopy(SHORTER)
        second_body["documents"]["food_business_license"]["routes"]["licensing"][
            "promised_days"
        ] = 6
        second = await service.publish(COUNTY, content=second_body)
        assert second.number == 2
    await models.announce(second.generation)

    async with metadata_unit(sessions, installed, models, COUNTY) as service:
        assert (await service.document(COUNTY, "food_business_license"))["routes"]["licensing"][
            "promised_days"
        ] == 6
        back = await service.rollback(COUNTY)
        assert (back.action, back.number) == ("metadata.rollback", 1)
        statuses = [(v.number, v.status) for v in await service.history(COUNTY)]
        assert statuses == [(2, "rolled_back"), (1, "current")]
    await models.announce(back.generation)

    async with metadata_unit(sessions, installed, models, COUNTY) as service:
        assert (await service.document(COUNTY, "food_business_license"))["routes"]["licensing"][
            "promised_days"
        ] == 8
        with pytest.raises(NotFound) as info:
            await service.rollback(COUNTY)
        assert info.value.code == "metadata.rollback.nothing"

    tenant_id = installed.node(COUNTY).id
    audited = admin_sql.execute(
        "SELECT action, object_id, detail->>'content_hash' FROM audit_log"
        " WHERE tenant_id = %s AND object_type = 'metadata_version' ORDER BY seq DESC LIMIT 3",
        (tenant_id,),
    ).fetchall()
    assert [(a, o) for a, o, _ in audited] == [
        ("metadata.rollback", f"{COUNTY}/1"),
        ("metadata.publish", f"{COUNTY}/2"),
        ("metadata.publish", f"{COUNTY}/1"),
    ]
    assert audited[0][2] == first.content_hash


async def test_an_invalid_draft_is_never_published(
    sessions: async_sessionmaker[AsyncSession],
    installed: TenantTree,
    models: ModelCache,
    restore: None,
) -> None:
    bad: dict[str, Any] = {
        "tenant": COUNTY,
        "documents": {"service_item": {"fields": {"task_name": None, "local": {"type": "text"}}}},
    }
    async with metadata_unit(sessions, installed, models, COUNTY) as service:
        await service.save_draft(COUNTY, bad)
        codes = {e.code for e in await service.validate_draft(COUNTY)}
        assert codes == {"metadata.overlay.field_removed", "metadata.overlay.x_prefix_required"}
        with pytest.raises(MetadataInvalid):
            await service.publish(COUNTY)
        assert await service.history(COUNTY) == []
        with pytest.raises(MetadataInvalid) as info:
            await service.save_draft(COUNTY, {"tenant": "620102"})
        assert info.value.code == "metadata.overlay.tenant_mismatch"


async def test_a_base_change_that_breaks_an_overlay_is_refused(
    sessions: async_sessionmaker[AsyncSession],
    installed: TenantTree,
    models: ModelCache,
    restore: None,
) -> None:
    async with metadata_unit(sessions, installed, models, "620000") as service:
        base = copy.deepcopy((await service.export("620000"))["content"])
        route = base["documents"]["food_business_license"]["routes"]["licensing"]
        route["steps"] = [s for s in route["steps"] if s["key"] != "review"]
        await service.save_draft("620000", base)
        preview = await service.preview_draft("620000")
        assert preview.checked == 102
        assert list(preview.conflicts) == ["620100"]
        assert "620102" in preview.blocked
        with pytest.raises(Conflict) as info:
            await service.publish("620000")
        assert info.value.code == "metadata.publish.conflicts"
        assert info.value.details[0].params["tenant"] == "620100"
        assert [v.number for v in await service.history("620000")] == [1]


async def test_a_compatible_base_change_is_published_to_everyone(
    sessions: async_sessionmaker[AsyncSession],
    installed: TenantTree,
    models: ModelCache,
    restore: None,
) -> None:
    async with metadata_unit(sessions, installed, models, "620000") as service:
        base = copy.deepcopy((await service.export("620000"))["content"])
        themes = base["code_lists"]["theme"]["values"]
        themes.insert(len(themes) - 1, {"code": "p_elderly", "label": "养老服务"})  # before 其他
        result = await service.publish("620000", content=base)
        assert (result.kind, result.number, result.preview.checked) == ("base", 2, 102)
        with pytest.raises(Conflict) as info:
            await service.publish("620000", content=base)
        assert info.value.code == "metadata.publish.unchanged"
    await models.announce(result.generation)
    async with metadata_unit(sessions, installed, models, "620123") as service:
        themes = (await service.document("620123", "service_item"))["code_lists"]["theme"]
        # 榆中县's values go before the catch-all 其他, which stays last
        assert [v["code"] for v in themes["values"]][-4:] == [
            "p_elderly",
            "yz_plateau_vegetables",
            "yz_rural_tourism",
            "other",
        ]


async def test_rows_of_other_tenants_stay_behind_rls(
    sessions: async_sessionmaker[AsyncSession], installed: TenantTree
) -> None:
    chengguan, qilihe = installed.node("620102").id, installed.node("620103").id
    async with sessions() as session, session.begin():
        await apply_scope(session, TenantScope.single(qilihe))
        seen = await session.execute(text("SELECT DISTINCT tenant_id FROM metadata_versions"))
        assert {r[0] for r in seen} <= {qilihe}
        with pytest.raises(DBAPIError, match="row-level security"):
            async with session.begin_nested():
                await session.execute(
                    text(
                        "INSERT INTO metadata_drafts (tenant_id, content, updated_by)"
                        " VALUES (:t, '{}'::jsonb, 'x')"
                    ),
                    {"t": chengguan},
                )
    async with sessions() as session, session.begin():
        await apply_scope(session, TenantScope.single(chengguan))
        with pytest.raises(DBAPIError, match="permission denied"):
            async with session.begin_nested():
                await session.execute(text("DELETE FROM metadata_versions"))


async def test_effective_version_ids_are_recorded_once(
    sessions: async_sessionmaker[AsyncSession],
    installed: TenantTree,
    models: ModelCache,
    restore: None,
) -> None:
    async with metadata_unit(sessions, installed, models, "620102") as service:
        session = service.session
        first = await service.effective_version_id("620102")
        assert await service.effective_version_id("620102") == first
        chain = await session.scalar(
            text("SELECT chain FROM metadata_effective WHERE id = :i"), {"i": first}
        )
        assert [link["tenant"] for link in chain] == ["620000", "620100", "620102"]


async def test_publishing_refuses_a_step_whose_role_the_catalogue_lacks(
    sessions: async_sessionmaker[AsyncSession],
    installed: TenantTree,
    models: ModelCache,
    restore: None,
) -> None:
    """A step nobody can be granted would stall every case reaching it."""
    ghost_step = {
        "key": "x_check",
        "label": "复核",
        "kind": "review",
        "role": "x_nobody",
        "on_reject": "return_to_previous",
    }
    overlay = {
        "tenant": COUNTY,
        "documents": {
            "food_business_license": {
                "routes": {
                    "licensing": {
                        "insert": [{"after": "review", "step": ghost_step}],
                        "update": {"inspect": {"role": "dept_reveiwer"}},
                    }
                }
            }
        },
    }
    route = "/documents/food_business_license/routes/licensing"
    async with metadata_unit(sessions, installed, models, COUNTY) as service:
        errors = await service.validate(COUNTY, overlay)
        assert [(e.code, e.pointer, e.params) for e in errors] == [
            ("metadata.route.role_unknown", f"{route}/insert/0/step/role", {"role": "x_nobody"}),
            (
                "metadata.route.role_unknown",
                f"{route}/update/inspect/role",
                {"role": "dept_reveiwer"},
            ),
        ]
        with pytest.raises(MetadataInvalid) as refused:
            await service.publish(COUNTY, content=overlay)
        assert refused.value.code == "metadata.route.role_unknown"
        fixed = copy.deepcopy(overlay)
        fixed["documents"]["food_business_license"]["routes"]["licensing"]["update"] = {
            "inspect": {"role": "dept_reviewer"}
        }
        fixed["documents"]["food_business_license"]["routes"]["licensing"]["insert"][0]["step"][
            "role"
        ] = "inspector"
        assert await service.validate(COUNTY, fixed) == []
