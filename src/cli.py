"""The `yiwang` command. With no settings it uses the embedded defaults of `make run`."""

from __future__ import annotations

import json
from dataclasses import replace

import click

from yiwang.metadata.commands import RECORD_CHECKS, metadata_group, seed_cmd
from yiwang.metadata.versions.install import completes_onboarding
from yiwang.metadata.versions.model_cache import ModelCache
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
from yiwang.runtime.dependencies import PublishChecks, build_publish_checks
from yiwang.runtime.jobs.definitions import DEFINITIONS
from yiwang.runtime.jobs.errors import JobFailed, JobSettingsInvalid
from yiwang.runtime.jobs.process import worker_process
from yiwang.runtime.jobs.queue import SYSTEM_OWNER
from yiwang.runtime.jobs.settings import JobSettings
from yiwang.runtime.jobs.worker import run_worker
from yiwang.runtime.lists.settings import IndexSettings
from yiwang.runtime.records.commands import (
    build_indexes_now,
    load_samples_now,
    mark_leakproof,
    records_group,
)
from yiwang.runtime.seeding.commands import bench_group
from yiwang.runtime.supervision.rollup.commands import supervision_group
from yiwang.tenants.commands import (
    ONBOARDING_STEPS,
    calendar_group,
    tenant_services,
    tenants_group,
)
from yiwang.tenants.onboarding.service import OnboardingStep
from yiwang.tenants.onboarding.tenant_templates import load_template


def _record_checks(env: CommandEnvironment) -> PublishChecks:
    """As in the app: a publish counts the records it invalidates and wants list indexes
    (built by `yiwang records build-indexes`; a command exits before a background build)."""
    return PublishChecks(build_publish_checks(env.settings).seal, None)


def _onboarding_steps(env: CommandEnvironment) -> tuple[OnboardingStep, ...]:
    """As in the app: onboarding a province publishes its base model in the same unit."""
    return (
        completes_onboarding(
            ModelCache(env.cache), env.settings.templates_root, _record_checks(env)
        ),
    )


@click.group(cls=CommandGroup, help="一网（Yiwang）政务服务平台命令行")
@click.pass_context
def main(ctx: click.Context) -> None:
    ctx.obj = Settings.from_env()
    ctx.meta[ONBOARDING_STEPS] = _onboarding_steps
    ctx.meta[RECORD_CHECKS] = _record_checks


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


@main.command("worker", help="启动后台任务进程（SAQ 队列，Redis）；Ctrl-C 停止")
@click.pass_context
def worker(ctx: click.Context) -> None:
    settings: Settings = ctx.obj
    job_settings = JobSettings.from_env(settings)
    if job_settings.mode == "inline":
        raise JobSettingsInvalid("jobs.settings_invalid", detail="YIWANG_JOBS=inline")
    # The worker is the queue's consumer whatever the web server's mode.
    job_settings = replace(job_settings, mode="queue")

    async def body() -> None:
        async with worker_process(settings, job_settings) as background:
            assert background.plugin is not None
            await run_worker(background.plugin, job_settings)

    run(body)


@main.group("jobs", help="后台任务")
def jobs_group() -> None:
    pass


@jobs_group.command(
    "run", help="在本进程中立即运行一个后台任务（例如 sweep_attachments），输出结果"
)
@click.argument("name", type=click.Choice(sorted(DEFINITIONS)))
@click.option("--kwargs", "raw_kwargs", default="{}", help="任务参数（JSON 对象）")
@click.pass_context
def jobs_run(ctx: click.Context, name: str, raw_kwargs: str) -> None:
    settings: Settings = ctx.obj
    try:
        kwargs = json.loads(raw_kwargs)
    except ValueError:
        kwargs = None
    if not isinstance(kwargs, dict):
        raise click.UsageError("--kwargs")
    job_settings = replace(JobSettings.from_env(settings), mode="inline")

    async def body() -> dict[str, object]:
        async with worker_process(settings, job_settings) as background:
            status = await background.queue.run_inline(
                DEFINITIONS[name], key=f"cli:{name}", owner=SYSTEM_OWNER, kwargs=kwargs
            )
        if status.state != "complete":
            raise JobFailed("jobs.failed")
        return {"job": name, "state": status.state, "result": status.result}

    echo_json(run(body))


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

    admin_url = IndexSettings.from_env(settings).admin_url
    if admin_url:  # the embedded database: this machine's superuser is at hand
        echo_json({"leakproof": mark_leakproof(admin_url, settings)})

    async def samples() -> dict[str, object]:
        async with command_environment(settings) as env:
            return {
                "samples": await load_samples_now(env),
                "indexes": len((await build_indexes_now(env))["built"]),
            }

    # The sample content as records, and the indexes of the list views (both idempotent).
    echo_json(run(samples))


for group in (
    db_group,
    audit_group,
    tenants_group,
    calendar_group,
    metadata_group,
    records_group,
    bench_group,
    supervision_group,
    *COMMAND_GROUPS,
):
    main.add_command(group)


if __name__ == "__main__":
    main()
