"""`yiwang metadata ...`: read, check, compare, publish and exchange metadata.

    yiwang metadata effective --tenant CODE --type KEY   effective document as JSON
    yiwang metadata validate FILE [--tenant CODE]        exit 0 if valid, else a JSON
                                                         list of {code, pointer, message}
    yiwang metadata diff --tenant CODE                   what the draft changes
    yiwang metadata publish --tenant CODE [--yes]        impact preview, then publish
    yiwang metadata rollback --tenant CODE [--yes]       back to the previous version
    yiwang metadata export --tenant CODE [--effective] [--output FILE]
    yiwang metadata import FILE --tenant CODE            store FILE as the draft
    yiwang metadata seed                                 publish the template base model
                                                         and example overlays where
                                                         nothing is published yet

`validate` works without a database: when PostgreSQL cannot be reached it
checks against the base model and overlays in `tenant_templates/`.
"""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import click
from sqlalchemy.exc import DBAPIError, OperationalError

from yiwang.metadata.documents import sources
from yiwang.metadata.documents.base_model import base_model_errors
from yiwang.metadata.documents.checks import check_document
from yiwang.metadata.documents.errors import MetadataInvalid
from yiwang.metadata.documents.hashing import content_hash
from yiwang.metadata.documents.metaschemas import document_errors, overlay_errors
from yiwang.metadata.documents.route_roles import route_role_errors
from yiwang.metadata.documents.shapes import Model, Overlay
from yiwang.metadata.resolution.resolve import add_layer, base_layer, check_layers, resolve
from yiwang.metadata.versions.bundled import load_base_model, load_overlays
from yiwang.metadata.versions.install import install_templates
from yiwang.metadata.versions.model_cache import ModelCache
from yiwang.metadata.versions.service import MetadataService, RecordChecks
from yiwang.platform.cli_support import (
    CommandEnvironment,
    command_environment,
    echo_errors,
    echo_json,
    existing_file,
    run,
    sessions,
    settings_of,
)
from yiwang.platform.errors import ErrorDetail
from yiwang.platform.i18n import translate
from yiwang.platform.settings import Settings
from yiwang.platform.tenant_context import TenantScope
from yiwang.platform.unit_of_work import command_line, unit_of_work
from yiwang.policy.catalogue import load_catalogue
from yiwang.tenants.tree import TenantTree

T = TypeVar("T")
ServiceCall = Callable[[MetadataService], Awaitable[T]]
#: `ctx.meta` key of the runtime's part of a publish, set by `yiwang.cli` (metadata
#: never imports the runtime): a factory of `RecordChecks` for a command environment
RECORD_CHECKS = "yiwang.record_checks"


def _record_checks(env: CommandEnvironment) -> RecordChecks | None:
    context = click.get_current_context(silent=True)
    factory = context.meta.get(RECORD_CHECKS) if context else None
    return factory(env) if factory else None


def _with_service(settings: Settings, tenant: str, call: ServiceCall[T]) -> T:
    """Run `call` in one unit of work of the command line, acting as `tenant`.

    Its model cache announces a publish on Redis after commit, as a worker's does.
    """

    async def body() -> T:
        async with command_environment(settings) as env, env.unit() as uow:
            tree = await TenantTree.load(uow.session)
            await uow.use_scope(TenantScope.single(tree.node(tenant).id))
            return await call(
                MetadataService(
                    uow,
                    tree,
                    ModelCache(env.cache),
                    load_catalogue(settings.templates_root),
                    _record_checks(env),
                )
            )

    return run(body)


@click.group("metadata", help="元数据：基础模型、地区扩展、版本发布与交换")
def metadata_group() -> None:
    pass


@metadata_group.command("effective", help="以 JSON 输出地区的有效事项类型文档")
@click.option("--tenant", required=True, help="区划代码")
@click.option("--type", "type_key", required=True, help="事项类型（文档键）")
@click.pass_context
def effective_cmd(ctx: click.Context, tenant: str, type_key: str) -> None:
    settings = settings_of(ctx)

    async def call(service: MetadataService) -> dict[str, Any]:
        return await service.document(tenant, type_key)

    echo_json(_with_service(settings, tenant, call))


@metadata_group.command("validate", help="校验基础模型文档或地区扩展（YAML 或 JSON）")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--tenant", default=None, help="按该地区继承的模型校验（默认取扩展中的区划代码）")
@click.pass_context
def validate_cmd(ctx: click.Context, file: Path, tenant: str | None) -> None:
    settings = settings_of(ctx)
    try:
        value = sources.load_file(existing_file(file))
        errors = run(lambda: _validate(settings, value, tenant))
    except MetadataInvalid as exc:
        errors = exc.details
    if errors:
        echo_errors(errors)
        sys.exit(1)
    click.echo("[]")
    click.echo(translate("metadata.cli.valid", file=str(file)), err=True)


def _kind_of(value: Any) -> str:
    if isinstance(value, dict) and "documents" in value and "tenant" not in value:
        return "base"
    if isinstance(value, dict) and "tenant" in value:
        return "overlay"
    return "document"


async def _validate(settings: Settings, value: Any, tenant: str | None) -> list[ErrorDetail]:
    errors = await _validate_shape(settings, value, tenant)
    if errors:
        return errors
    return route_role_errors(value, load_catalogue(settings.templates_root).roles)


async def _validate_shape(settings: Settings, value: Any, tenant: str | None) -> list[ErrorDetail]:
    kind = _kind_of(value)
    if kind == "base":
        return base_model_errors(value)[1]
    try:
        return await _validate_with_database(settings, value, tenant, kind)
    except (OperationalError, DBAPIError, OSError):
        return _validate_with_templates(settings, value, tenant, kind)


async def _validate_with_database(
    settings: Settings, value: Any, tenant: str | None, kind: str
) -> list[ErrorDetail]:
    async with sessions(settings) as factory, unit_of_work(factory, actor=command_line()) as uow:
        tree = await TenantTree.load(uow.session)
        if tenant is None and kind != "overlay" and len(tree.roots) != 1:
            raise MetadataInvalid("metadata.cli.tenant_required")
        code = tenant or (str(value.get("tenant")) if kind == "overlay" else tree.roots[0].code)
        await uow.use_scope(TenantScope.single(tree.node(code).id))
        service = MetadataService(
            uow, tree, ModelCache(None), load_catalogue(settings.templates_root)
        )
        if kind == "overlay":
            return await service.validate(code, value)
        model = (await service.effective(code)).layers[-1].model
        return _document_errors(value, model, base=tree.node(code).is_root)


def _validate_with_templates(
    settings: Settings, value: Any, tenant: str | None, kind: str
) -> list[ErrorDetail]:
    root_dir = settings.templates_root
    base = load_base_model(root_dir)
    overlays = load_overlays(root_dir)
    with (root_dir / settings.default_divisions).open(encoding="utf-8") as handle:
        parents = {r["code"]: r["parent_code"] or None for r in csv.DictReader(handle)}
    roots = [code for code, parent in parents.items() if parent is None]
    code = tenant or (str(value.get("tenant")) if kind == "overlay" else roots[0])
    chain = []
    root = code
    node: str | None = parents.get(code)
    while node is not None:
        root = node
        if node in overlays:
            chain.append(overlays[node])
        node = parents.get(node)
    inherited = resolve(code, base_layer(root, base), chain[::-1]).layers
    if kind == "overlay":
        errors = overlay_errors(value)
        if errors:
            return errors
        try:
            check_layers(add_layer(inherited, Overlay(code, value, content_hash(value))))
        except MetadataInvalid as exc:
            return exc.details
        return []
    return _document_errors(value, inherited[-1].model, base=code == root)


def _document_errors(value: Any, model: Model, *, base: bool) -> list[ErrorDetail]:
    errors = document_errors(value)
    if errors:
        return errors
    return check_document(
        value,
        types=set(model.documents) | {value["key"]},
        shared_code_lists=model.code_lists,
        base_layer=base,
    )


@metadata_group.command("diff", help="显示草稿相对当前有效模型的变化")
@click.option("--tenant", required=True)
@click.pass_context
def diff_cmd(ctx: click.Context, tenant: str) -> None:
    settings = settings_of(ctx)

    async def call(service: MetadataService) -> list[dict[str, Any]]:
        return [c.as_dict() for c in await service.diff_draft(tenant)]

    echo_json(_with_service(settings, tenant, call))


def _confirm(code: str, tenant: str, yes: bool) -> None:
    if yes:
        return
    if not click.confirm(translate(code, tenant=tenant), default=False, err=True):
        click.echo(translate("metadata.cli.cancelled"), err=True)
        sys.exit(1)


@metadata_group.command("publish", help="先显示影响预览，确认后发布草稿")
@click.option("--tenant", required=True)
@click.option("--yes", is_flag=True, help="不再询问，直接发布")
@click.option("--note", default=None, help="版本说明")
@click.pass_context
def publish_cmd(ctx: click.Context, tenant: str, yes: bool, note: str | None) -> None:
    settings = settings_of(ctx)

    async def preview(service: MetadataService) -> dict[str, Any]:
        return (await service.preview_draft(tenant)).as_dict()

    echo_json({"impact": _with_service(settings, tenant, preview)})
    _confirm("metadata.cli.confirm_publish", tenant, yes)

    async def publish(service: MetadataService) -> dict[str, Any]:
        return (await service.publish(tenant, note=note)).as_dict()

    echo_json(_with_service(settings, tenant, publish))


@metadata_group.command("rollback", help="回退到上一发布版本")
@click.option("--tenant", required=True)
@click.option("--yes", is_flag=True, help="不再询问")
@click.pass_context
def rollback_cmd(ctx: click.Context, tenant: str, yes: bool) -> None:
    settings = settings_of(ctx)
    _confirm("metadata.cli.confirm_rollback", tenant, yes)

    async def call(service: MetadataService) -> dict[str, Any]:
        return (await service.rollback(tenant)).as_dict()

    echo_json(_with_service(settings, tenant, call))


@metadata_group.command("export", help="导出地区当前发布的元数据（JSON）")
@click.option("--tenant", required=True)
@click.option("--effective", is_flag=True, help="导出合并后的有效模型")
@click.option("--output", type=click.Path(path_type=Path, dir_okay=False), default=None)
@click.pass_context
def export_cmd(ctx: click.Context, tenant: str, effective: bool, output: Path | None) -> None:
    settings = settings_of(ctx)

    async def call(service: MetadataService) -> dict[str, Any]:
        return await service.export(tenant, effective=effective)

    body = _with_service(settings, tenant, call)
    text = json.dumps(body, ensure_ascii=False, indent=2)
    if output is None:
        click.echo(text)
    else:
        output.write_text(text + "\n", encoding="utf-8")


@metadata_group.command("import", help="把 JSON 或 YAML 文件存为地区的草稿，并给出校验结果")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--tenant", required=True)
@click.pass_context
def import_cmd(ctx: click.Context, file: Path, tenant: str) -> None:
    settings = settings_of(ctx)
    try:
        value = sources.load_file(existing_file(file))
    except MetadataInvalid as exc:
        echo_errors(exc.details)
        sys.exit(1)

    async def call(service: MetadataService) -> dict[str, Any]:
        return await service.save_and_check(tenant, value)

    answer = _with_service(settings, tenant, call)
    echo_json(answer["errors"])
    if not answer["valid"]:
        sys.exit(1)


@metadata_group.command("seed", help="发布模板中的基础模型和示例扩展（已有发布版本的地区跳过）")
@click.pass_context
def seed_cmd(ctx: click.Context) -> None:
    settings = settings_of(ctx)

    async def body() -> list[dict[str, Any]]:
        async with command_environment(settings) as env, env.unit() as uow:
            tree = await TenantTree.load(uow.session)
            results = await install_templates(
                uow, tree, ModelCache(env.cache), settings.templates_root, _record_checks(env)
            )
        return [
            {"tenant": r.tenant, "kind": r.kind, "number": r.number, "hash": r.content_hash}
            for r in results
        ]

    echo_json(run(body))
