"""Every refusal the platform audits survives the rollback of the change it refused.

Each case performs the refused change in a unit of work, lets the error roll the
unit back, and then finds the refusal's audit record in the database.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import psycopg
import pytest

from tests.integration.stack import Stack
from yiwang.platform.errors import YiwangError
from yiwang.tenants.lifecycle import Lifecycle


def _newest(admin_sql: psycopg.Connection, action: str) -> tuple[Any, ...] | None:
    return admin_sql.execute(
        "SELECT seq, outcome, actor FROM audit_log WHERE action = %s ORDER BY seq DESC LIMIT 1",
        (action,),
    ).fetchone()


async def _announce(version: int) -> None:
    return None


async def _resume_an_active_tenant(services: Stack, tag: str) -> None:
    async with services.unit() as uow:
        await Lifecycle(uow, _announce).change("620102", "resume")


async def _grant_an_unknown_role(services: Stack, tag: str) -> None:
    await services.admin(
        "grant",
        login=f"nobody.{tag}",
        role="no_such_role",
        tenant_code="620102",
        subtree=False,
        granter=None,
    )


async def _create_a_user_in_an_unknown_department(services: Stack, tag: str) -> None:
    await services.account_admin(
        "create",
        login=f"dept.{tag}",
        kind="staff",
        tenant_code="620102",
        department="no_such_department",
        display_name=None,
        actor=None,
    )


async def _revoke_a_grant_nobody_holds(services: Stack, tag: str) -> None:
    await services.admin(
        "revoke",
        login=f"nobody.{tag}",
        role="county_operator",
        tenant_code="620102",
        granter=None,
    )


async def _deny_an_unknown_object(services: Stack, tag: str) -> None:
    await services.admin(
        "deny",
        role="county_operator",
        obj="no_such_object",
        action="read",
        tenant_code="620102",
        granter=None,
    )


async def _sign_in_with_a_wrong_password(services: Stack, tag: str) -> None:
    await services.run(
        services.login.password_login,
        f"ghost.{tag}",
        "Wrong#Pass1",
        totp_code=None,
        ip="10.9.9.9",
    )


async def _archive_without_confirming(services: Stack, tag: str) -> None:
    async with services.unit() as uow:
        await Lifecycle(uow, _announce).change("620102", "archive")


async def _disable_an_unknown_account(services: Stack, tag: str) -> None:
    await services.account_admin(
        "set_status", login=f"nobody.{tag}", status="disabled", reason=None, actor=None
    )


async def _activate_with_a_wrong_code(services: Stack, tag: str) -> None:
    await services.run(
        services.enrolment.activate, f"nobody.{tag}", "AAAA-BBBB", "Hx7#qLm2vT", ip="10.9.9.8"
    )


async def _sign_in_with_a_nul_byte(services: Stack, tag: str) -> None:
    await services.run(
        services.login.password_login, f"nul\x00{tag}", "x", totp_code=None, ip="10.9.9.7"
    )


CASES: list[tuple[str, Callable[[Stack, str], Awaitable[None]], str]] = [
    ("tenant.resume", _resume_an_active_tenant, "failure"),
    ("role.grant", _grant_an_unknown_role, "denied"),
    ("user.create", _create_a_user_in_an_unknown_department, "denied"),
    ("role.revoke", _revoke_a_grant_nobody_holds, "denied"),
    ("policy.deny", _deny_an_unknown_object, "denied"),
    ("identity.login", _sign_in_with_a_wrong_password, "failure"),
    ("tenant.archive", _archive_without_confirming, "failure"),
    ("user.disable", _disable_an_unknown_account, "denied"),
    ("identity.activation", _activate_with_a_wrong_code, "failure"),
    ("identity.login", _sign_in_with_a_nul_byte, "failure"),
]


@pytest.mark.parametrize(
    ("action", "attempt", "outcome"), CASES, ids=[c[1].__name__.strip("_") for c in CASES]
)
async def test_the_refusal_is_on_record_after_the_rollback(
    services: Stack,
    cleanup: str,
    admin_sql: psycopg.Connection,
    action: str,
    attempt: Callable[[Stack, str], Awaitable[None]],
    outcome: str,
) -> None:
    before = _newest(admin_sql, action)
    with pytest.raises(YiwangError):
        await attempt(services, cleanup)
    after = _newest(admin_sql, action)
    assert after is not None and (before is None or after[0] > before[0])
    assert after[1] == outcome
