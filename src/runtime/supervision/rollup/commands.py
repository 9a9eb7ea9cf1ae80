"""The `yiwang supervision` command group.

yiwang supervision rebuild-rollup [--tenants all|CODE]
    recount the supervision rollup from the raw rows, tenant by tenant (after a
    bulk load that bypassed the triggers, a restore, or a manual cleanup)
"""

from __future__ import annotations

import time

import click

from yiwang.platform.cli_support import command_environment, echo_json, run
from yiwang.platform.database import create_engine, session_factory
from yiwang.platform.settings import Settings
from yiwang.platform.tenant_context import TenantScope
from yiwang.platform.unit_of_work import command_line, unit_of_work
from yiwang.runtime.supervision.rollup.repository import RollupRepository
from yiwang.tenants.tree import TenantTree


@click.group("supervision", help="效能电子监察")
def supervision_group() -> None:
    pass


@supervision_group.command(
    "rebuild-rollup", help="按原始数据逐个租户重算监察月度汇总（批量导入或恢复之后）"
)
@click.option("--tenants", "which", default="all", show_default=True, help="all 或租户代码")
@click.pass_obj
def rebuild_rollup(settings: Settings, which: str) -> None:
    async def body() -> dict[str, object]:
        started = time.monotonic()
        async with command_environment(settings) as env:
            async with env.unit() as uow:
                tree = await TenantTree.load(uow.session)
            nodes = (
                sorted(tree.by_id.values(), key=lambda n: n.code)
                if which == "all"
                else [tree.node(which)]
            )
            # as the owner role: the application role may not delete rollup rows
            owner = create_engine(settings.migration_database_url, pool_size=1)
            try:
                owner_sessions = session_factory(owner)
                rows = 0
                for node in nodes:
                    async with unit_of_work(
                        owner_sessions, actor=command_line(), scope=TenantScope.single(node.id)
                    ) as uow:
                        rows += await RollupRepository(uow.session).rebuild(node.id)
            finally:
                await owner.dispose()
            async with env.unit() as uow:
                await uow.audit(
                    action="supervision.rollup_rebuilt",
                    object_type="supervision_rollup",
                    object_id=which,
                    detail={"tenants": len(nodes), "rows": rows},
                )
        return {
            "tenants": len(nodes),
            "rows": rows,
            "seconds": round(time.monotonic() - started, 1),
        }

    echo_json(run(body))
