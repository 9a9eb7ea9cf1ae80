"""The command line as operators script it: JSON out, stable exit codes, audited."""

from __future__ import annotations

import asyncio
import json
import re
from typing import Any

import click
import psycopg
from click.testing import CliRunner, Result

from tests.integration.stack import Stack
from tests.integration.staff import activate
from yiwang.platform.cache import Cache
from yiwang.platform.database import create_engine, session_factory
from yiwang.platform.settings import Settings
from yiwang.policy.commands import COMMAND_GROUPS
from yiwang.policy.dependencies import build_policy
from yiwang.policy.identity.dependencies import build_identity
from yiwang.policy.identity.passwords import HashingParameters, PasswordHashing
from yiwang.tenants.directory import TenantDirectory


def cli() -> click.Group:
    @click.group()
    def main() -> None:
        pass

    for group in COMMAND_GROUPS:
        main.add_command(group)
    return main


def invoke(settings: Settings, *args: str, os_user: str | None = None) -> Result:
    """Run a command; `os_user` is who runs it (the actor `cli:<os user>`)."""
    env = {"LOGNAME": os_user} if os_user else None
    return CliRunner(env=env).invoke(cli(), list(args), obj=settings, catch_exceptions=False)


def activate_as_the_person(settings: Settings, login: str, code: str) -> str:
    """The person's own activation, through the services in a loop of its own."""

    async def body() -> str:
        engine = create_engine(settings.database_url, pool_size=2)
        cache = Cache(settings.redis_url)
        sessions = session_factory(engine)
        try:
            policy = build_policy(settings, sessions, cache)
            identity = build_identity(
                settings,
                cache,
                sessions,
                is_admin=policy.is_admin,
                hashing=PasswordHashing(HashingParameters.for_tests()),
            )
            stack = Stack(sessions, cache, TenantDirectory(sessions, cache), policy, identity)
            await policy.sync.start()
            try:
                return await activate(stack, login, code)
            finally:
                await policy.sync.stop()
        finally:
            await cache.close()
            await engine.dispose()

    return asyncio.run(body())


def out(result: Result) -> Any:
    assert result.exit_code == 0, (result.output, result.stderr)
    return json.loads(result.stdout)


def error(result: Result) -> dict[str, Any]:
    assert result.exit_code == 1, result.output
    body: dict[str, Any] = json.loads(result.stderr)["error"]
    return body


def test_users_roles_and_explain(
    migrated: Settings, gansu: dict[str, int], cleanup: str, admin_sql: psycopg.Connection
) -> None:
    login = f"op.{cleanup}"
    user = out(invoke(migrated, "users", "create", login, "--kind", "staff", "--tenant", "620100"))
    assert user["login"] == login and user["kind"] == "staff" and user["tenant"] == "620100"
    # No password and no TOTP secret: a one-time code for the person, who sets both.
    assert user["status"] == "pending" and user["totp_enrolled"] is False
    assert re.fullmatch(r"([A-HJ-NP-Z2-9]{4}-){4}[A-HJ-NP-Z2-9]{4}", user["activation_code"])
    assert not {"initial_password", "password", "totp_uri", "totp_secret"} & set(user)
    stored = admin_sql.execute(
        "SELECT a.password_hash, a.totp_secret_enc, v.code_hash, v.issued_by"
        " FROM accounts a JOIN account_activations v ON v.account_id = a.id WHERE a.id = %s",
        (user["id"],),
    ).fetchone()
    assert stored is not None and stored[:2] == (None, None)
    assert user["activation_code"].replace("-", "") not in stored[2]  # only its hash is kept
    assert stored[3].startswith("cli:")

    granted = out(
        invoke(
            migrated, "roles", "grant", login, "county_operator", "--tenant", "620100", "--subtree"
        )
    )
    assert granted["role_name"] == "县区运营员" and granted["subtree"] is True
    assert out(invoke(migrated, "roles", "list", "--login", login)) == [
        {
            "login": login,
            "role": "county_operator",
            "role_name": "县区运营员",
            "tenant": "620100",
            "tenant_name": "兰州市",
            "path": "/620000/620100",
            "subtree": True,
        }
    ]

    yes = out(
        invoke(migrated, "policy", "explain", login, "publish", "metadata", "--tenant", "620102")
    )
    assert yes["allowed"] is True
    assert yes["rule"]["role"] == "county_operator" and yes["rule"]["domain"] == "/"
    assert yes["grant"] == {"role": "county_operator", "node": "/620000/620100", "subtree": True}
    no = out(
        invoke(migrated, "policy", "explain", login, "publish", "metadata", "--tenant", "620201")
    )
    assert no["allowed"] is False and no["rule"] is None  # exit 0 for a deny too

    # A region's deny at its own node wins, and explain names it.
    out(
        invoke(
            migrated,
            "policy",
            "deny",
            "county_operator",
            "publish",
            "metadata",
            "--tenant",
            "620102",
        )
    )
    denied = out(
        invoke(migrated, "policy", "explain", login, "publish", "metadata", "--tenant", "620102")
    )
    assert denied["allowed"] is False and denied["reason"] == "denied_by_rule"
    assert denied["rule"]["domain"] == "/620000/620100/620102"
    admin_sql.execute("DELETE FROM casbin_rule WHERE ptype = 'p' AND v1 = '/620000/620100/620102'")

    revoked = out(
        invoke(migrated, "roles", "revoke", login, "county_operator", "--tenant", "620100")
    )
    assert revoked["revoked"] == 1
    assert out(invoke(migrated, "roles", "list", "--login", login)) == []


def test_unknown_login_or_tenant_exit_non_zero(
    migrated: Settings, gansu: dict[str, int], cleanup: str
) -> None:
    err = error(
        invoke(
            migrated, "policy", "explain", f"ghost.{cleanup}", "read", "case", "--tenant", "620000"
        )
    )
    assert err["code"] == "identity.account_not_found" and "未找到" in err["message"]
    login = f"op.{cleanup}"
    out(invoke(migrated, "users", "create", login, "--kind", "staff", "--tenant", "620000"))
    assert (
        error(invoke(migrated, "policy", "explain", login, "read", "case", "--tenant", "999999"))[
            "code"
        ]
        == "tenant.not_found"
    )
    assert (
        error(invoke(migrated, "policy", "explain", login, "peek", "case", "--tenant", "620000"))[
            "code"
        ]
        == "policy.action_unknown"
    )


def test_bad_input_is_refused_audited_and_changes_nothing(
    migrated: Settings, gansu: dict[str, int], cleanup: str, admin_sql: psycopg.Connection
) -> None:
    login = f"op.{cleanup}"
    out(invoke(migrated, "users", "create", login, "--kind", "staff", "--tenant", "620100"))
    version = admin_sql.execute("SELECT version FROM policy_state").fetchone()
    for args, code in [
        (("roles", "grant", login, "overlord", "--tenant", "620100"), "policy.role_unknown"),
        (("roles", "grant", login, "province_admin", "--tenant", "620100"), "policy.role_level"),
        (("roles", "grant", login, "citizen", "--tenant", "620100"), "policy.role_not_grantable"),
    ]:
        assert error(invoke(migrated, *args))["code"] == code
        row = admin_sql.execute(
            "SELECT outcome, detail->>'error' FROM audit_log WHERE action = 'role.grant'"
            " AND detail->>'login' = %s ORDER BY seq DESC LIMIT 1",
            (login,),
        ).fetchone()
        assert row == ("denied", code)
    assert admin_sql.execute("SELECT version FROM policy_state").fetchone() == version
    assert out(invoke(migrated, "roles", "list", "--login", login)) == []
    # Malformed identity codes are refused with their own codes.
    assert (
        error(invoke(migrated, "users", "create", "91350100M000100Y44", "--kind", "legal"))["code"]
        == "identity.credit_code_invalid"
    )
    refused = admin_sql.execute(
        "SELECT outcome, detail->>'error' FROM audit_log WHERE action = 'user.create'"
        " ORDER BY seq DESC LIMIT 1"
    ).fetchone()
    assert refused == ("denied", "identity.credit_code_invalid")
    assert (
        error(invoke(migrated, "users", "create", "1381234567", "--kind", "citizen"))["code"]
        == "identity.phone_invalid"
    )


def test_three_admin_duties_cannot_be_combined_nor_granted_by_whoever_held_the_code(
    migrated: Settings, gansu: dict[str, int], cleanup: str
) -> None:
    login = f"sec.{cleanup}"
    grant = ("roles", "grant", login, "security_admin", "--tenant", "620000", "--subtree")
    created = out(
        invoke(
            migrated,
            *("users", "create", login, "--kind", "staff", "--tenant", "620000"),
            os_user="creator",
        )
    )
    # Before its person set their own factors, whoever holds the code could act as them.
    assert error(invoke(migrated, *grant, os_user="other"))["code"] == (
        "policy.duty_needs_activation"
    )
    activate_as_the_person(migrated, login, created["activation_code"])
    # Whoever held the activation code never grants the account a separated duty.
    held = error(invoke(migrated, *grant, os_user="creator"))
    assert held["code"] == "policy.duty_factor_holder" and "激活码" in held["message"]
    out(invoke(migrated, *grant, os_user="other"))
    err = error(
        invoke(
            migrated, "roles", "grant", login, "audit_admin", "--tenant", "620000", os_user="other"
        )
    )
    assert err["code"] == "policy.duties_conflict" and "三员分立" in err["message"]


def test_users_disable_and_end_sessions_from_the_command_line(
    migrated: Settings, gansu: dict[str, int], cleanup: str, admin_sql: psycopg.Connection
) -> None:
    login = f"dis.{cleanup}"
    created = out(
        invoke(migrated, "users", "create", login, "--kind", "staff", "--tenant", "620102")
    )
    activate_as_the_person(migrated, login, created["activation_code"])

    def version() -> Any:
        return admin_sql.execute(
            "SELECT session_version, status FROM accounts WHERE id = %s", (created["id"],)
        ).fetchone()

    before = version()
    ended = out(invoke(migrated, "users", "sessions", "end", login))
    assert ended["sessions_ended"] is True and version() == (before[0] + 1, "active")
    disabled = out(invoke(migrated, "users", "disable", login, "--reason", "离职"))
    assert disabled["status"] == "disabled" and version() == (before[0] + 2, "disabled")
    again = error(invoke(migrated, "users", "disable", login))
    assert again["code"] == "identity.status_unchanged"
    assert out(invoke(migrated, "users", "enable", login))["status"] == "active"
    assert error(invoke(migrated, "users", "activation", login))["code"] == (
        "identity.already_activated"
    )
    actions = admin_sql.execute(
        "SELECT action FROM audit_log WHERE object_type = 'account' AND object_id = %s"
        " AND action LIKE 'user.%%' ORDER BY seq",
        (str(created["id"]),),
    ).fetchall()
    assert [a[0] for a in actions] == [
        "user.create",
        "user.sessions_end",
        "user.disable",
        "user.enable",
    ]
