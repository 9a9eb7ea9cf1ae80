"""Onboarding from a division file and a template: complete, idempotent, all-or-nothing."""

from __future__ import annotations

import psycopg
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.conftest import onboard_in_unit
from yiwang.platform.errors import InvalidInput
from yiwang.platform.settings import Settings
from yiwang.platform.tenant_context import TenantScope, apply_scope
from yiwang.tenants.models import CalendarDay, Department, Tenant

# A different province (宁夏), to show that nothing in the code assumes Gansu.
NINGXIA = """code,name,level,parent_code
640000,宁夏回族自治区,province,
640100,银川市,prefecture,640000
640104,兴庆区,county,640100
640105,西夏区,county,640100
640200,石嘴山市,prefecture,640000
640202,大武口区,county,640200
"""


async def _count(sessions: async_sessionmaker[AsyncSession], model: type) -> int:
    async with sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


@pytest.fixture
def purge_ningxia(admin_sql: psycopg.Connection):  # type: ignore[no-untyped-def]
    def purge() -> None:
        ids = "SELECT id FROM tenants WHERE code LIKE '64%'"
        admin_sql.execute(f"DELETE FROM departments WHERE tenant_id IN ({ids})")
        admin_sql.execute(f"DELETE FROM calendar_days WHERE province_id IN ({ids})")
        admin_sql.execute(
            "DELETE FROM tenants WHERE code LIKE '64%' AND parent_id IS NOT NULL AND level <> 'prefecture'"
        )
        admin_sql.execute("DELETE FROM tenants WHERE code LIKE '64%' AND level = 'prefecture'")
        admin_sql.execute("DELETE FROM tenants WHERE code LIKE '64%'")

    purge()
    yield
    purge()


async def test_gansu_tree_is_complete(
    sessions: async_sessionmaker[AsyncSession], gansu: dict[str, int]
) -> None:
    async with sessions() as session:
        tenants = {
            t.code: t for t in await session.scalars(select(Tenant).where(Tenant.code.like("62%")))
        }
    assert len(tenants) == 103
    levels = [t.level for t in tenants.values()]
    assert levels.count("province") == 1
    assert levels.count("prefecture") == 14
    assert levels.count("county") == 87
    assert levels.count("zone") == 1
    assert tenants["620102"].path == "/620000/620100/620102"
    assert tenants["620102"].slug == "chengguan"
    assert tenants["620171"].level == "zone"
    async with sessions() as session, session.begin():
        await apply_scope(session, TenantScope.single(gansu["620102"]))
        names = set(await session.scalars(select(Department.name)))
        await apply_scope(session, TenantScope.single(gansu["620000"]))
        province_names = set(await session.scalars(select(Department.name)))
    for name in (
        "发展和改革委员会",
        "市场监督管理局",
        "自然资源局",
        "住房和城乡建设局",
        "生态环境局",
        "公安局",
        "民政局",
        "人力资源和社会保障局",
        "卫生健康委员会",
        "交通运输局",
        "农业农村局",
        "教育局",
        "财政局",
        "机构编制委员会办公室",
        "政务服务管理局",
    ):
        assert name in names
    assert "教育厅" in province_names and "教育局" not in province_names


async def test_second_run_changes_nothing(
    migrated: Settings, sessions: async_sessionmaker[AsyncSession], gansu: dict[str, int]
) -> None:
    before = (await _count(sessions, Tenant), await _count(sessions, CalendarDay))
    result = await onboard_in_unit(
        sessions,
        migrated.templates_root,
        divisions=(migrated.templates_root / "gansu-divisions.csv").read_bytes(),
        template_name="gansu",
    )
    assert not result.changed
    assert result.tenants_unchanged == 103
    assert (await _count(sessions, Tenant), await _count(sessions, CalendarDay)) == before


async def test_another_province_with_the_standard_template(
    migrated: Settings, sessions: async_sessionmaker[AsyncSession], purge_ningxia: None
) -> None:
    result = await onboard_in_unit(
        sessions,
        migrated.templates_root,
        divisions=NINGXIA,
        template_name="standard",
    )
    assert len(result.tenants_created) == 6
    async with sessions() as session:
        t = await session.scalar(select(Tenant).where(Tenant.code == "640105"))
    assert t is not None and t.path == "/640000/640100/640105" and t.slug == "640105"


@pytest.mark.parametrize(
    ("bad_line", "code"),
    [
        ("640300,吴忠市,prefecture,649900", "divisions.parent_unknown"),
        ("640104,兴庆区,county,640100", "divisions.duplicate_code"),
        ("64030,吴忠市,prefecture,640000", "divisions.code_format"),
        ("640300,吴忠市,city,640000", "divisions.level_unknown"),
        ("640300,吴忠市,prefecture", "divisions.columns"),
    ],
)
async def test_bad_file_writes_nothing(
    migrated: Settings,
    sessions: async_sessionmaker[AsyncSession],
    purge_ningxia: None,
    bad_line: str,
    code: str,
) -> None:
    before = await _count(sessions, Tenant)
    with pytest.raises(InvalidInput) as info:
        await onboard_in_unit(
            sessions,
            migrated.templates_root,
            divisions=NINGXIA + bad_line + "\n",
            template_name="standard",
        )
    assert info.value.code == code
    assert info.value.params["line"] == 8
    assert await _count(sessions, Tenant) == before


async def test_conflicting_rerun_is_refused(
    migrated: Settings, sessions: async_sessionmaker[AsyncSession], gansu: dict[str, int]
) -> None:
    renamed = (
        (migrated.templates_root / "gansu-divisions.csv").read_text().replace("城关区", "城关新区")
    )
    with pytest.raises(InvalidInput) as info:
        await onboard_in_unit(
            sessions,
            migrated.templates_root,
            divisions=renamed,
            template_name="gansu",
        )
    assert info.value.code == "divisions.conflict"
