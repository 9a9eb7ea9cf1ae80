"""The command line as operators script it: JSON out, stable exit codes, audited."""

from __future__ import annotations

import json
from typing import Any

import click
import psycopg
from click.testing import CliRunner, Result

from yiwang.platform.settings import Settings
from yiwang.policy.commands import COMMAND_GROUPS


def cli() -> click.Group:
    @click.group()
    def main() -> None:
        pass

    for group in COMMAND_GROUPS:
        main.add_command(group)
    return main


def invoke(settings: Settings, *args: str) -> Result:
    return CliRunner().invoke(cli(), list(args), obj=settings, catch_exceptions=False)


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
    assert user["initial_password"] and user["totp_uri"].startswith("otpauth://totp/")

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


def test_three_admin_duties_cannot_be_combined(
    migrated: Settings, gansu: dict[str, int], cleanup: str
) -> None:
    login = f"sec.{cleanup}"
    out(invoke(migrated, "users", "create", login, "--kind", "staff", "--tenant", "620000"))
    out(
        invoke(
            migrated, "roles", "grant", login, "security_admin", "--tenant", "620000", "--subtree"
        )
    )
    err = error(invoke(migrated, "roles", "grant", login, "audit_admin", "--tenant", "620000"))
    assert err["code"] == "policy.duties_conflict" and "三员分立" in err["message"]
