"""Kernel commands: `yiwang db ...` and `yiwang audit verify/checkpoint/keygen`."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

import click

from yiwang.platform import migrate
from yiwang.platform.audit import anchoring
from yiwang.platform.audit.checkpoints import Checkpoint, generate_key, public_path
from yiwang.platform.audit.stores import build_store
from yiwang.platform.cli_support import echo_json, run, sessions, settings_of
from yiwang.platform.storage import build_storage


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


@audit_group.command(
    "verify", help="校验审计哈希链，并与最近的签名检查点比对：报告被修改、缺失或截断的记录"
)
@click.option(
    "--checkpoint",
    "checkpoint_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="检查点文件（一行 JSON，如从 syslog 收集端取回）；默认取检查点存储中最近的一个",
)
@click.pass_context
def audit_verify(ctx: click.Context, checkpoint_file: Path | None) -> None:
    settings = settings_of(ctx)

    given = checkpoint_file.read_text(encoding="utf-8").split() if checkpoint_file else None

    async def body() -> anchoring.Verdict:
        if given is not None:
            # a syslog line may carry the tag before the JSON: the last word is the checkpoint
            checkpoint: Checkpoint | None = Checkpoint.from_json(given[-1]) if given else None
        else:
            checkpoint = await build_store(settings, build_storage(settings)).latest()
        async with sessions(settings) as factory:
            # no checkpoint, no key needed: verifying must not make a signing key as a side effect
            key = anchoring.verify_key(settings) if checkpoint is not None else None
            return await anchoring.verify(factory, key, checkpoint)

    verdict = run(body)
    echo_json(
        {
            "intact": verdict.intact,
            "head": verdict.head,
            "anchored": verdict.checkpoint is not None,
            "checkpoint": asdict(verdict.checkpoint) if verdict.checkpoint else None,
            "problems": [p.__dict__ for p in verdict.problems],
        }
    )
    if not verdict.intact:
        raise SystemExit(1)


@audit_group.command("checkpoint", help="立即为审计链的最新记录签发检查点，并写入检查点存储")
@click.pass_context
def audit_checkpoint(ctx: click.Context) -> None:
    settings = settings_of(ctx)

    async def body() -> Checkpoint | None:
        store = build_store(settings, build_storage(settings))
        async with sessions(settings) as factory:
            return await anchoring.take_checkpoint(
                factory, anchoring.signing_key(settings), store, actor="cli"
            )

    checkpoint = run(body)
    echo_json({"checkpoint": asdict(checkpoint) if checkpoint else None})


@audit_group.command("keygen", help="生成检查点签名密钥（Ed25519）及其公钥（.pub）")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None)
@click.pass_context
def audit_keygen(ctx: click.Context, out: Path | None) -> None:
    path = out or settings_of(ctx).audit_signing_key

    async def body() -> None:
        generate_key(path)

    run(body)
    echo_json({"signing_key": str(path), "verify_key": str(public_path(path))})
