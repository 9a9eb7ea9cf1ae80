"""`yiwang tenants ...` and `yiwang calendar ...`: the same services as the API, acting
as the command line, so running servers see each change as they see the API's."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TypeVar

import click
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from yiwang.platform.cli_support import (
    CommandEnvironment,
    command_environment,
    echo_json,
    existing_file,
    run,
    settings_of,
)
from yiwang.platform.settings import Settings
from yiwang.platform.unit_of_work import UnitOfWork
from yiwang.tenants.dependencies import TenantServices
from yiwang.tenants.directory import TenantDirectory
from yiwang.tenants.onboarding.service import OnboardingStep, OnboardResult

T = TypeVar("T")


#: `ctx.meta` key under which the `yiwang` command (the composition root) supplies the
#: steps that complete an onboarding, as the app does (see `OnboardingStep`)
ONBOARDING_STEPS = "yiwang.onboarding_steps"
StepsFor = Callable[[CommandEnvironment], tuple[OnboardingStep, ...]]


@asynccontextmanager
async def tenant_services(env: CommandEnvironment) -> AsyncIterator[TenantServices]:
    directory = TenantDirectory(env.sessions, env.cache)
    await directory.load()
    context = click.get_current_context(silent=True)
    steps_for: StepsFor | None = context.meta.get(ONBOARDING_STEPS) if context else None
    steps = steps_for(env) if steps_for else ()
    yield TenantServices(directory, env.settings.templates_root, onboarding_steps=steps)


def run_in_unit(
    settings: Settings, call: Callable[[TenantServices, UnitOfWork], Awaitable[T]]
) -> T:
    """Run `call` in one unit of work of the command line and return its answer."""

    async def body() -> T:
        async with (
            command_environment(settings) as env,
            tenant_services(env) as services,
            env.unit() as uow,
        ):
            return await call(services, uow)

    return run(body)


def _read_divisions(path: Path, templates_root: Path) -> bytes:
    """A division file by path, or by name among the bundled templates."""
    return existing_file(path, also_under=templates_root).read_bytes()


@click.group("tenants", help="租户（地区）管理")
def tenants_group() -> None:
    pass


@tenants_group.command("onboard", help="按区划文件和模板创建整个租户树（幂等）")
@click.option("--divisions", "divisions_path", type=click.Path(path_type=Path), required=True)
@click.option("--template", "template", default="standard", show_default=True)
@click.pass_context
def onboard_cmd(ctx: click.Context, divisions_path: Path, template: str) -> None:
    settings = settings_of(ctx)
    raw = _read_divisions(divisions_path, settings.templates_root)

    async def call(services: TenantServices, uow: UnitOfWork) -> OnboardResult:
        with Progress(
            TextColumn("[bold]导入区划"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.description}"),
            TimeElapsedColumn(),
            transient=False,
        ) as bar:
            task = bar.add_task("", total=None)

            def step(done: int, total: int, name: str) -> None:
                bar.update(task, completed=done, total=total, description=name)

            return await services.onboarding(uow).onboard(
                divisions=raw, template_name=template, progress=step
            )

    result = run_in_unit(settings, call)
    if not result.changed:
        click.echo("没有变化：所有地区、部门和日历均已存在。(nothing changed)")
    echo_json(result.as_dict())


@tenants_group.command("list", help="列出全部租户")
@click.pass_context
def list_cmd(ctx: click.Context) -> None:
    settings = settings_of(ctx)

    async def call(services: TenantServices, _: UnitOfWork) -> list[dict[str, object]]:
        return [
            {
                "code": t.code,
                "name": t.name,
                "level": t.level,
                "status": t.status,
                "slug": t.slug,
                "path": t.path,
            }
            for t in services.tree.by_code.values()
        ]

    echo_json(run_in_unit(settings, call))


def _lifecycle_command(action: str, help_text: str) -> click.Command:
    @click.command(action, help=help_text)
    @click.argument("code")
    @click.option("--reason", default=None)
    @click.option("--confirm", default=None, help="归档时须填写该地区的名称以确认")
    @click.pass_context
    def command(ctx: click.Context, code: str, reason: str | None, confirm: str | None) -> None:
        async def call(services: TenantServices, uow: UnitOfWork) -> dict[str, str]:
            tenant = await services.lifecycle(uow).change(
                code, action, reason=reason, confirm=confirm
            )
            return {"code": tenant.code, "name": tenant.name, "status": tenant.status}

        echo_json(run_in_unit(settings_of(ctx), call))

    return command


for _action, _help in (
    ("suspend", "暂停租户站点"),
    ("resume", "恢复租户站点"),
    ("archive", "归档租户（须以 --confirm 填写地区名称确认）"),
    ("unarchive", "取消归档（恢复为暂停状态，核查后再 resume）"),
):
    tenants_group.add_command(_lifecycle_command(_action, _help))


@click.group("calendar", help="工作日历（节假日与调休）")
def calendar_group() -> None:
    pass


@calendar_group.command("import", help="导入某一年的节假日安排（替换该年）")
@click.option("--tenant", "code", required=True, help="省级租户的区划代码")
@click.option("--year", type=int, required=True)
@click.argument("csv_file", type=click.Path(dir_okay=False, path_type=Path))
@click.pass_context
def calendar_import(ctx: click.Context, code: str, year: int, csv_file: Path) -> None:
    raw = existing_file(csv_file).read_bytes()

    async def call(services: TenantServices, uow: UnitOfWork) -> int:
        return await services.calendars(uow).replace_year(code, year, raw)

    echo_json({"tenant": code, "year": year, "entries": run_in_unit(settings_of(ctx), call)})


@calendar_group.command("show", help="显示某地区某一年的节假日与调休")
@click.option("--tenant", "code", required=True)
@click.option("--year", type=int, required=True)
@click.pass_context
def calendar_show(ctx: click.Context, code: str, year: int) -> None:
    async def call(services: TenantServices, uow: UnitOfWork) -> list[dict[str, str]]:
        return [
            {"date": e.day.isoformat(), "kind": e.kind, "name": e.name}
            for e in await services.calendars(uow).entries_for(code, year)
        ]

    echo_json(run_in_unit(settings_of(ctx), call))
