"""Kernel commands: `yiwang db ...` and `yiwang audit verify`."""

from __future__ import annotations

import click

from yiwang.platform import audit, migrate
from yiwang.platform.cli_support import echo_json, run, sessions, settings_of


@click.group("db", help="数据库迁移")
def db_group() -> None:
    pass


@db_group.command("upgrade", help="升级数据库结构到最新版本")
@click.option("--revision", default="head", show_default=True)
@click.pass_context
def db_upgrade(ctx: click.Context, revision: str) -> None:
    migrate.upgrade(settings_of(ctx), revision)
    click.echo(f"database upgraded to {revision}")


@db_group.command("downgrade", help="回退数据库结构")
@click.argument("revision")
@click.pass_context
def db_downgrade(ctx: click.Context, revision: str) -> None:
    migrate.downgrade(settings_of(ctx), revision)
    click.echo(f"database downgraded to {revision}")


@click.group("audit", help="审计记录")
def audit_group() -> None:
    pass


@audit_group.command("verify", help="校验审计哈希链：报告被修改或缺失的记录")
@click.pass_context
def audit_verify(ctx: click.Context) -> None:
    settings = settings_of(ctx)

    async def body() -> list[audit.ChainProblem]:
        async with sessions(settings) as factory, factory() as session:
            return await audit.verify_chain(session)

    problems = run(body)
    echo_json({"intact": not problems, "problems": [p.__dict__ for p in problems]})
    if problems:
        raise SystemExit(1)
