"""`yiwang users ...`, `yiwang roles ...` and `yiwang policy ...`.

`yiwang users create` prints an activation code for the account's person,
never a password or a TOTP secret; `users disable`, `users sessions end`
end the account's sessions on every worker.

Operators script these, so their shape is an interface: every command prints
JSON on stdout; an error prints `{"error": {"code", "message"}}` on stderr and
exits 1. `policy explain` exits 0 whether the answer is allow or deny. The
command line acts as the operator at the server: it is not checked against a
granter's rank or reach (there may be nobody to grant from yet), but every
other rule holds and every change is audited with actor `cli:<name>`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import click

from yiwang.platform.cli_support import command_environment, echo_json, run, settings_of
from yiwang.policy.account_admin import AccountAdmin
from yiwang.policy.broadcast import CHANNEL
from yiwang.policy.catalogue import load_catalogue
from yiwang.policy.identity.dependencies import build_identity
from yiwang.policy.service import PolicyAdmin, SnapshotEngines
from yiwang.tenants.tree import TenantTree


async def _not_admin(account: object) -> bool:
    return False  # the command line starts no sessions


@dataclass(frozen=True)
class _Admins:
    policy: PolicyAdmin
    accounts: AccountAdmin


def _print_admin_call(ctx: click.Context, call: Callable[[_Admins], Awaitable[Any]]) -> None:
    """Run `call` on the administration services acting as the command line, print its
    answer as JSON.

    Changes are announced to running workers after they commit (a new policy
    version, an account's new session version); `run` turns an error into the
    one-line error JSON on stderr and exit code 1.
    """
    settings = settings_of(ctx)
    catalogue = load_catalogue(settings.templates_root)

    async def body() -> Any:
        async with command_environment(settings) as env, env.unit() as uow:

            async def notify(version: int) -> None:
                # Best effort: workers that miss it notice within their poll interval.
                await env.cache.publish(CHANNEL, str(version))

            identity = build_identity(settings, env.cache, env.sessions, is_admin=_not_admin)
            tree = await TenantTree.load(uow.session)
            engines = SnapshotEngines(catalogue)
            admins = _Admins(
                PolicyAdmin(uow, tree, catalogue, identity.accounts, engines, notify),
                AccountAdmin(uow, tree, catalogue, identity.accounts, identity.enrolment, engines),
            )
            return await call(admins)

    echo_json(run(body))


@click.group("users", help="账户管理")
def users_group() -> None:
    pass


@users_group.command(
    "create",
    help="创建账户并以 JSON 输出；工作人员和法人账户同时输出一次性激活码（仅此一次），"
    "由本人凭激活码自行设置密码和动态口令",
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
        lambda admins: admins.accounts.create(
            login=login,
            kind=kind,
            tenant_code=tenant,
            department=department,
            display_name=display_name,
            actor=None,
        ),
    )


@users_group.command("activation", help="为尚未激活的账户重新签发激活码（原激活码作废）")
@click.argument("login")
@click.pass_context
def users_activation(ctx: click.Context, login: str) -> None:
    _print_admin_call(ctx, lambda admins: admins.accounts.issue_activation(login=login, actor=None))


@users_group.command("disable", help="停用账户：其全部会话在下一次请求时结束")
@click.argument("login")
@click.option("--reason", default=None)
@click.pass_context
def users_disable(ctx: click.Context, login: str, reason: str | None) -> None:
    _print_admin_call(
        ctx,
        lambda admins: admins.accounts.set_status(
            login=login, status="disabled", reason=reason, actor=None
        ),
    )


@users_group.command("enable", help="重新启用已停用的账户")
@click.argument("login")
@click.option("--reason", default=None)
@click.pass_context
def users_enable(ctx: click.Context, login: str, reason: str | None) -> None:
    _print_admin_call(
        ctx,
        lambda admins: admins.accounts.set_status(
            login=login, status="active", reason=reason, actor=None
        ),
    )


@click.group("sessions", help="账户的登录会话")
def sessions_group() -> None:
    pass


@sessions_group.command("end", help="结束账户的全部会话（各工作进程立即生效）")
@click.argument("login")
@click.pass_context
def sessions_end(ctx: click.Context, login: str) -> None:
    _print_admin_call(ctx, lambda admins: admins.accounts.end_sessions(login=login, actor=None))


users_group.add_command(sessions_group)


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
        lambda admins: admins.policy.grant(
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
        lambda admins: admins.policy.revoke(
            login=login, role=role, tenant_code=tenant, granter=None
        ),
    )


@roles_group.command("list", help="列出角色授权（可按登录名筛选）")
@click.option("--login", default=None)
@click.pass_context
def roles_list(ctx: click.Context, login: str | None) -> None:
    _print_admin_call(ctx, lambda admins: admins.policy.list_grants(login))


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
        lambda admins: admins.policy.explain(
            login=login, action=action, obj=object_key, tenant_code=tenant
        ),
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
        lambda admins: admins.policy.deny(
            role=role,
            obj=object_key,
            action=action,
            tenant_code=tenant,
            granter=None,
        ),
    )


#: what `yiwang.cli` registers
COMMAND_GROUPS = (users_group, roles_group, policy_group)
