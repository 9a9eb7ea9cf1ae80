"""The `yiwang` command. With no settings it uses the embedded defaults of `make run`."""

from __future__ import annotations

import click

from yiwang.metadata.commands import metadata_group, seed_cmd
from yiwang.metadata.versions.model_cache import ModelCache
from yiwang.metadata.versions.service import completes_onboarding
from yiwang.platform import serving
from yiwang.platform.cli_support import (
    CommandEnvironment,
    CommandGroup,
    command_environment,
    echo_json,
    run,
)
from yiwang.platform.commands import audit_group, db_group
from yiwang.platform.settings import Settings
from yiwang.policy.commands import COMMAND_GROUPS
from yiwang.tenants.commands import (
    ONBOARDING_STEPS,
    calendar_group,
    tenant_services,
    tenants_group,
)
from yiwang.tenants.onboarding.service import OnboardingStep
from yiwang.tenants.onboarding.tenant_templates import load_template


def _onboarding_steps(env: CommandEnvironment) -> tuple[OnboardingStep, ...]:
    """As in the app: onboarding a province publishes its base model in the same unit."""
    return (completes_onboarding(ModelCache(env.cache), env.settings.templates_root),)


@click.group(cls=CommandGroup, help="一网（Yiwang）政务服务平台命令行")
@click.pass_context
def main(ctx: click.Context) -> None:
    ctx.obj = Settings.from_env()
    ctx.meta[ONBOARDING_STEPS] = _onboarding_steps


@main.command("serve", help="启动 Web 服务（默认每个 CPU 核一个工作进程）")
@click.option("--host", default=None, help="监听地址（YIWANG_HOST）")
@click.option("--port", type=int, default=None, help="端口（YIWANG_PORT）")
@click.option(
    "--workers", type=int, default=None, help="工作进程数（YIWANG_WORKERS，默认等于 CPU 核数）"
)
@click.option(
    "--server", type=click.Choice(serving.SERVERS), default=None, help="服务器（YIWANG_SERVER）"
)
@click.option("--app", "app", default=serving.DEFAULT_APP, hidden=True)
@click.pass_context
def serve(
    ctx: click.Context,
    host: str | None,
    port: int | None,
    workers: int | None,
    server: str | None,
    app: str,
) -> None:
    # A bad setting is a YiwangError: the command group prints it as one JSON line.
    serving.serve(
        serving.plan(ctx.obj, host=host, port=port, workers=workers, server=server, app=app)
    )


@main.command(
    "bootstrap", help="首次启动：数据库为空时按默认模板导入地区，并发布基础模型和示例扩展"
)
@click.pass_context
def bootstrap(ctx: click.Context) -> None:
    settings: Settings = ctx.obj
    template = load_template(settings.templates_root, settings.default_template)
    divisions = settings.templates_root / (template.divisions_file or settings.default_divisions)

    async def body() -> dict[str, object]:
        async with command_environment(settings) as env, tenant_services(env) as services:
            if len(services.tree):
                return {"bootstrapped": False}
            async with env.unit() as uow:
                result = await services.onboarding(uow).onboard(
                    divisions=divisions.read_bytes(), template_name=template.name
                )
            return {"bootstrapped": True, **result.as_dict()}

    echo_json(run(body))
    # Publishes the base model and the example overlays where nothing is published yet.
    ctx.invoke(seed_cmd)


for group in (
    db_group,
    audit_group,
    tenants_group,
    calendar_group,
    metadata_group,
    *COMMAND_GROUPS,
):
    main.add_command(group)


if __name__ == "__main__":
    main()
