"""The `yiwang bench` command group.

yiwang bench seed --records N [--cases M] [--tenants all|CODE] [--seed S]
    write N generated records (every item type, realistic values) and M cases
    (every state, with timelines, evaluations, complaints and 督办 orders, by
    COPY) across the tenant tree or into one tenant, with progress on stderr
"""

from __future__ import annotations

import time

import click

from yiwang.metadata.versions.model_cache import ModelCache
from yiwang.platform.cli_support import command_environment, echo_json, run
from yiwang.platform.i18n import translate
from yiwang.platform.settings import Settings
from yiwang.policy.identity.settings import IdentitySettings
from yiwang.runtime.records.privacy import PiiSeal
from yiwang.runtime.seeding.cases import CaseSeeder
from yiwang.runtime.seeding.errors import SeedCountInvalid
from yiwang.runtime.seeding.service import Seeder
from yiwang.tenants.tree import TenantTree


@click.group("bench", help="基准测试数据")
def bench_group() -> None:
    pass


@bench_group.command("seed", help="按元数据生成逼真的记录（各事项类型，遍及租户树）")
@click.option("--records", "count", type=int, default=0, show_default=True, help="记录总数")
@click.option(
    "--cases",
    "cases",
    type=int,
    default=0,
    show_default=True,
    help="办件总数（含时间线、评价、投诉、督办），由数据库批量生成",
)
@click.option("--tenants", "which", default="all", show_default=True, help="all 或租户代码")
@click.option("--seed", type=int, default=1, show_default=True, help="随机种子（同种子同数据）")
@click.pass_obj
def seed(settings: Settings, count: int, cases: int, which: str, seed: int) -> None:
    started = time.monotonic()

    def progress(code: str, done: int, total: int) -> None:
        rate = round(done / max(time.monotonic() - started, 1e-9))
        message = translate(
            "seeding.progress", "zh-CN", code=code, done=done, total=total, rate=rate
        )
        click.echo(message, err=True)

    async def body() -> dict[str, object]:
        if count < 0 or cases < 0 or count + cases == 0:
            raise SeedCountInvalid("seeding.count_invalid", value=min(count, cases))
        out: dict[str, object] = {}
        async with command_environment(settings) as env:
            async with env.unit() as uow:
                tree = await TenantTree.load(uow.session)
            if count:
                seal = PiiSeal(IdentitySettings.from_env(settings).cipher())
                seeder = Seeder(env.unit, tree, ModelCache(env.cache), seal, seed, progress)
                result = await seeder.run(count, which)
                out.update(
                    written=result.written,
                    total=sum(result.written.values()),
                    tenants=result.tenants,
                    seconds=round(result.seconds, 1),
                )
            if cases:
                if which != "all":
                    tree = TenantTree.of([tree.node(which)])
                seeded = await CaseSeeder(env.unit, tree, seed, progress).run(cases)
                out["cases"] = {
                    "written": seeded.written,
                    "tenants": seeded.tenants,
                    "seconds": round(seeded.seconds, 1),
                }
        return out

    echo_json(run(body))
