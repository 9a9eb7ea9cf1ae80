"""The `yiwang records` command group: samples, list indexes, idempotency keys.

yiwang records samples                   load the bundled sample content (idempotent)
yiwang records build-indexes             record the indexes every model wants, then build
                                         them as the owner (CREATE INDEX CONCURRENTLY)
yiwang records purge-keys [--hours 48]   drop idempotency keys older than that (>= 24 h)
yiwang records leakproof [--admin-url]   as a superuser, once: mark the typed JSONB
                                         readers LEAKPROOF so list filters use indexes
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, Final

import click
import psycopg
from sqlalchemy.engine import make_url

from yiwang.metadata.versions.model_cache import ModelCache
from yiwang.platform.cli_support import CommandEnvironment, command_environment, echo_json, run
from yiwang.platform.errors import InvalidInput, NotFound
from yiwang.platform.settings import Settings
from yiwang.platform.tenant_context import TenantScope
from yiwang.platform.unit_of_work import UnitOfWork
from yiwang.policy.identity.settings import IdentitySettings
from yiwang.runtime.lists.builder import IndexBuilder
from yiwang.runtime.lists.indexes import wanted
from yiwang.runtime.lists.repository import ListRepository
from yiwang.runtime.lists.settings import IndexSettings
from yiwang.runtime.records.expressions import LEAKPROOF_FUNCTIONS, LEAKPROOF_STATEMENTS
from yiwang.runtime.records.privacy import PiiSeal
from yiwang.runtime.records.repository import RecordRepository
from yiwang.runtime.records.samples import load_sample_records
from yiwang.tenants.tree import TenantTree

#: idempotency keys are kept at least this long
MIN_RETENTION_HOURS: Final = 24


def _seal(settings: Settings) -> PiiSeal:
    return PiiSeal(IdentitySettings.from_env(settings).cipher())


async def load_samples_now(env: CommandEnvironment) -> dict[str, int]:
    async with env.unit() as uow:
        tree = await TenantTree.load(uow.session)
        return await load_sample_records(
            uow, tree, ModelCache(env.cache), _seal(env.settings), env.settings.templates_root
        )


async def want_every_index(uow: UnitOfWork, tree: TenantTree, models: ModelCache) -> int:
    """Record the indexes of every tenant's current model (what publishes would have)."""
    found = []
    for node in tree.by_code.values():
        await uow.use_scope(TenantScope.single(node.id))
        try:
            found.append(await models.effective(uow.session, tree, node.code))
        except NotFound:
            continue
    return await ListRepository(uow.session).want_indexes(wanted(found).values())


async def build_indexes_now(env: CommandEnvironment) -> dict[str, Any]:
    async with env.unit() as uow:
        tree = await TenantTree.load(uow.session)
        added = await want_every_index(uow, tree, ModelCache(env.cache))
    builder = IndexBuilder(IndexSettings.from_env(env.settings).owner_url)
    built = await builder.build_pending()
    return {"wanted_new": added, "built": [b.as_dict() for b in built]}


@click.group("records", help="业务记录：示例内容、列表索引、幂等键")
def records_group() -> None:
    pass


@records_group.command(
    "samples", help="把模板中的示例内容（办事指南、权责清单、专项资金）导入为记录"
)
@click.pass_obj
def samples_cmd(settings: Settings) -> None:
    async def body() -> dict[str, int]:
        async with command_environment(settings) as env:
            return await load_samples_now(env)

    echo_json({"created": run(body)})


@records_group.command(
    "build-indexes", help="按已发布的列表视图建立表达式索引（以数据库所有者身份并发建立）"
)
@click.pass_obj
def build_indexes_cmd(settings: Settings) -> None:
    async def body() -> dict[str, Any]:
        async with command_environment(settings) as env:
            return await build_indexes_now(env)

    echo_json(run(body))


@records_group.command("purge-keys", help="清理超过保留期的幂等键（保留期不少于 24 小时）")
@click.option("--hours", type=int, default=48, show_default=True)
@click.pass_obj
def purge_keys_cmd(settings: Settings, hours: int) -> None:
    if hours < MIN_RETENTION_HOURS:
        raise InvalidInput(
            "settings.invalid",
            pointer="/hours",
            name="--hours",
            value=str(hours),
            detail="不少于 24 的整数",
        )
    before = datetime.now(UTC) - timedelta(hours=hours)

    async def body() -> int:
        total = 0
        async with command_environment(settings) as env, env.unit() as uow:
            tree = await TenantTree.load(uow.session)
            for node in tree.by_code.values():
                await uow.use_scope(TenantScope.single(node.id))
                total += await RecordRepository(uow.session).purge_answers(node.id, before)
        return total

    echo_json({"purged": run(body), "older_than_hours": hours})


def _database_of(url: str, database: str | None) -> str:
    """`url` pointed at `database` (the superuser's URL may name another database)."""
    target = make_url(url)
    if database:
        target = target.set(database=database)
    return target.set(drivername="postgresql").render_as_string(hide_password=False)


def mark_leakproof(admin_url: str, settings: Settings) -> list[str]:
    """Mark the typed JSONB readers LEAKPROOF, as a superuser (idempotent)."""
    url = _database_of(admin_url, make_url(settings.database_url).database)
    with psycopg.connect(url, autocommit=True) as conn:
        for statement in LEAKPROOF_STATEMENTS:
            conn.execute(statement)
        rows = conn.execute(
            "SELECT proname FROM pg_proc WHERE proleakproof AND proname = ANY(%s) ORDER BY 1",
            (list(LEAKPROOF_FUNCTIONS),),
        ).fetchall()
    return [str(r[0]) for r in rows]


@records_group.command(
    "leakproof",
    help="以超级用户身份把字段读取函数标记为 LEAKPROOF，列表筛选才能用上索引",
)
@click.option("--admin-url", default=None, help="超级用户连接串（默认取 YIWANG_PG_ADMIN_URL）")
@click.pass_obj
def leakproof_cmd(settings: Settings, admin_url: str | None) -> None:
    url = admin_url or IndexSettings.from_env(settings).admin_url
    if not url:
        raise InvalidInput(
            "settings.invalid",
            pointer="/admin-url",
            name="--admin-url",
            value="",
            detail="超级用户的连接串",
        )
    echo_json({"leakproof": mark_leakproof(url, settings)})
