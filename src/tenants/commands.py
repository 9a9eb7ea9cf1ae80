"""`yiwang tenants ...` and `yiwang calendar ...`."""

from __future__ import annotations

from pathlib import Path

import click
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from yiwang.platform.cli_support import echo_json, run, sessions, settings_of
from yiwang.tenants import lifecycle
from yiwang.tenants.calendars import service as calendar_service
from yiwang.tenants.onboarding import service as onboarding
from yiwang.tenants.repository import TenantRepository


def _read_divisions(path: Path, templates_root: Path) -> bytes:
    candidate = path if path.exists() else templates_root / path
    if not candidate.is_file():
        raise click.BadParameter(f"找不到区划文件 {path}", param_hint="--divisions")
    return candidate.read_bytes()


@click.group("tenants", help="租户（地区）管理")
def tenants_group() -> None:
    pass


@tenants_group.command("onboard", help="按区划文件和模板创建整个租户树（幂等）")
@click.option("--divisions", "divisions_path", type=click.Path(path_type=Path), required=True)
@click.option("--template", "template", default="standard", show_default=True)
@click.option("--actor", default="cli", show_default=True)
@click.pass_context
def onboard_cmd(ctx: click.Context, divisions_path: Path, template: str, actor: str) -> None:
    settings = settings_of(ctx)
    raw = _read_divisions(divisions_path, settings.templates_root)

    async def body() -> onboarding.OnboardResult:
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

            async with sessions(settings) as factory, factory() as session, session.begin():
                return await onboarding.onboard(
                    session,
                    divisions=raw,
                    template_name=template,
                    templates_root=settings.templates_root,
                    actor=actor,
                    progress=step,
                )

    result = run(body)
    if not result.changed:
        click.echo("没有变化：所有地区、部门和日历均已存在。(nothing changed)")
    echo_json(result.as_dict())


@tenants_group.command("list", help="列出全部租户")
@click.pass_context
def list_cmd(ctx: click.Context) -> None:
    settings = settings_of(ctx)

    async def body() -> list[dict[str, object]]:
        async with sessions(settings) as factory, factory() as session:
            return [
                {
                    "code": t.code,
                    "name": t.name,
                    "level": t.level,
                    "status": t.status,
                    "slug": t.slug,
                    "path": t.path,
                }
                for t in await TenantRepository(session).all()
            ]

    echo_json(run(body))


def _lifecycle_command(action: str, help_text: str) -> click.Command:
    @click.command(action, help=help_text)
    @click.argument("code")
    @click.option("--reason", default=None)
    @click.option("--actor", default="cli", show_default=True)
    @click.pass_context
    def command(ctx: click.Context, code: str, reason: str | None, actor: str) -> None:
        settings = settings_of(ctx)

        async def body() -> dict[str, str]:
            async with sessions(settings) as factory, factory() as session, session.begin():
                tenant = await lifecycle.change_status(
                    session, code=code, action=action, actor=actor, reason=reason
                )
                return {"code": tenant.code, "name": tenant.name, "status": tenant.status}

        echo_json(run(body))

    return command


for _action, _help in (
    ("suspend", "暂停租户站点"),
    ("resume", "恢复租户站点"),
    ("archive", "归档租户"),
):
    tenants_group.add_command(_lifecycle_command(_action, _help))


@click.group("calendar", help="工作日历（节假日与调休）")
def calendar_group() -> None:
    pass


@calendar_group.command("import", help="导入某一年的节假日安排（替换该年）")
@click.option("--tenant", "code", required=True, help="省级租户的区划代码")
@click.option("--year", type=int, required=True)
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--actor", default="cli", show_default=True)
@click.pass_context
def calendar_import(ctx: click.Context, code: str, year: int, csv_file: Path, actor: str) -> None:
    settings = settings_of(ctx)

    raw = csv_file.read_bytes()

    async def body() -> int:
        async with sessions(settings) as factory, factory() as session, session.begin():
            return await calendar_service.replace_year(
                session, code=code, year=year, csv_text=raw, actor=actor
            )

    echo_json({"tenant": code, "year": year, "entries": run(body)})


@calendar_group.command("show", help="显示某地区某一年的节假日与调休")
@click.option("--tenant", "code", required=True)
@click.option("--year", type=int, required=True)
@click.pass_context
def calendar_show(ctx: click.Context, code: str, year: int) -> None:
    settings = settings_of(ctx)

    async def body() -> list[dict[str, str]]:
        async with sessions(settings) as factory, factory() as session:
            return [
                {"date": e.day.isoformat(), "kind": e.kind, "name": e.name}
                for e in await calendar_service.entries_for(session, code, year)
            ]

    echo_json(run(body))
