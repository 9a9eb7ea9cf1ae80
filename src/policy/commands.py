"""`yiwang users ...`, `yiwang roles ...` and `yiwang policy ...`.

Operators script these, so their shape is an interface: every command prints
JSON on stdout; an error prints `{"error": {"code", "message"}}` on stderr and
exits 1. `policy explain` exits 0 whether the answer is allow or deny. The
command line acts as the operator at the server: it is not checked against a
granter's rank or reach (there may be nobody to grant from yet), but every
other rule holds and every change is audited with actor `cli:<name>`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import click

from yiwang.platform.cli_support import command_environment, echo_json, run, settings_of
from yiwang.policy.broadcast import CHANNEL
from yiwang.policy.catalogue import load_catalogue
from yiwang.policy.identity.accounts import Accounts
from yiwang.policy.identity.passwords import PasswordHashing
from yiwang.policy.identity.settings import IdentitySettings
from yiwang.policy.service import PolicyAdmin, SnapshotEngines
from yiwang.tenants.tree import TenantTree


def _print_admin_call(ctx: click.Context, call: Callable[[PolicyAdmin], Awaitable[Any]]) -> None:
    """Run `call` on a `PolicyAdmin` acting as the command line, print its answer as JSON.

    The change is announced to running workers after it commits; `run` turns an
    error into the one-line error JSON on stderr and exit code 1.
    """
    settings = settings_of(ctx)
    ident = IdentitySettings.from_env(settings)
    catalogue = load_catalogue(settings.templates_root)

    async def body() -> Any:
        async with command_environment(settings) as env, env.unit() as uow:

            async def notify(version: int) -> None:
                # Best effort: workers that miss it notice within their poll interval.
                await env.cache.publish(CHANNEL, str(version))

            admin = PolicyAdmin(
                uow,
                await TenantTree.load(uow.session),
                catalogue,
                Accounts(ident.cipher(), PasswordHashing()),
                SnapshotEngines(catalogue),
                notify,
            )
            return await call(admin)

    echo_json(run(body))


@click.group("users", help="账户管理")
def users_group() -> None:
    pass


@users_group.command(
    "create",
    help="创建账户并以 JSON 输出；工作人员账户同时输出初始密码和 TOTP 绑定链接（仅此一次）",
)
@click.argument("login")
@click.option("--kind", type=click.Choice(["staff", "citizen", "legal"]), required=True)
@click.option("--tenant", "tenant", default=None, help="所属地区的区划代码（工作人员必填）")
@click.option("--department", default=None, help="所属部门的键")
@click.option("--name", "display_name", default=None, help="姓名或名称")
@click.pass_context
def users_create(
    ctx: click.Context,
    login: str,
    kind: str,
    tenant: str | None,
    department: str | None,
    display_name: str | None,
) -> None:
    _print_admin_call(
        ctx,
        lambda admin: admin.create_user(
            login=login,
            kind=kind,
            tenant_code=tenant,
            department=department,
            display_name=display_name,
        ),
    )


@click.group("roles", help="角色授权")
def roles_group() -> None:
    pass


@roles_group.command("grant", help="在某地区授予角色；--subtree 使授权覆盖其全部下级地区")
@click.argument("login")
@click.argument("role")
@click.option("--tenant", required=True, help="区划代码")
@click.option("--subtree", is_flag=True, default=False)
@click.pass_context
def roles_grant(ctx: click.Context, login: str, role: str, tenant: str, subtree: bool) -> None:
    _print_admin_call(
        ctx,
        lambda admin: admin.grant(
            login=login,
            role=role,
            tenant_code=tenant,
            subtree=subtree,
            granter=None,
        ),
    )


@roles_group.command("revoke", help="撤销某地区的角色授权")
@click.argument("login")
@click.argument("role")
@click.option("--tenant", required=True, help="区划代码")
@click.pass_context
def roles_revoke(ctx: click.Context, login: str, role: str, tenant: str) -> None:
    _print_admin_call(
        ctx,
        lambda admin: admin.revoke(login=login, role=role, tenant_code=tenant, granter=None),
    )


@roles_group.command("list", help="列出角色授权（可按登录名筛选）")
@click.option("--login", default=None)
@click.pass_context
def roles_list(ctx: click.Context, login: str | None) -> None:
    _print_admin_call(ctx, lambda admin: admin.list_grants(login))


@click.group("policy", help="权限策略")
def policy_group() -> None:
    pass


@policy_group.command(
    "explain", help="说明某账户能否在某地区对某对象执行某操作，以及由哪条规则决定"
)
@click.argument("login")
@click.argument("action")
@click.argument("object_key", metavar="OBJECT")
@click.option("--tenant", required=True, help="区划代码")
@click.pass_context
def policy_explain(
    ctx: click.Context, login: str, action: str, object_key: str, tenant: str
) -> None:
    _print_admin_call(
        ctx,
        lambda admin: admin.explain(login=login, action=action, obj=object_key, tenant_code=tenant),
    )


@policy_group.command("deny", help="在某地区节点添加禁止规则（覆盖其下全部地区）")
@click.argument("role")
@click.argument("action")
@click.argument("object_key", metavar="OBJECT")
@click.option("--tenant", required=True, help="区划代码")
@click.pass_context
def policy_deny(ctx: click.Context, role: str, action: str, object_key: str, tenant: str) -> None:
    _print_admin_call(
        ctx,
        lambda admin: admin.deny(
            role=role,
            obj=object_key,
            action=action,
            tenant_code=tenant,
            granter=None,
        ),
    )


#: what `yiwang.cli` registers
COMMAND_GROUPS = (users_group, roles_group, policy_group)
