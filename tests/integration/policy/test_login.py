"""Sign-in on the real database and Redis: lockout, TOTP reuse, SMS, rate limits, audit."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import psycopg
import pyotp
import pytest

from tests.integration.stack import Stack
from yiwang.platform.cache import Cache
from yiwang.platform.errors import InvalidInput, NotAuthenticated, ServiceUnavailable
from yiwang.platform.settings import Settings
from yiwang.policy.dependencies import build_policy
from yiwang.policy.identity.dependencies import build_identity
from yiwang.policy.identity.passwords import HashingParameters, PasswordHashing
from yiwang.policy.identity.sms import read_sms_log
from yiwang.tenants.directory import TenantDirectory

PASSWORD = "Hx7#qLm2vT"


async def staff(services: Stack, login: str) -> dict[str, Any]:
    created = await services.admin(
        "create_user",
        login=login,
        kind="staff",
        tenant_code="620102",
        department=None,
        display_name=None,
    )
    # Set a known password (the generated one is shown once to the operator).
    async with services.sessions() as db, db.begin():
        account = await services.accounts.get(db, created["id"])
        assert account is not None
        account.password_hash = services.accounts.hashing.hash(PASSWORD)
    created["secret"] = parse_qs(urlparse(created["totp_uri"]).query)["secret"][0]
    return created


def audit_rows(
    admin_sql: psycopg.Connection, account_id: int | None, actor: str
) -> list[tuple[Any, ...]]:
    return admin_sql.execute(
        "SELECT outcome, detail->>'reason' FROM audit_log WHERE action = 'identity.login'"
        " AND (object_id = %s OR actor = %s) ORDER BY seq",
        (str(account_id) if account_id else None, actor),
    ).fetchall()


async def test_staff_signs_in_with_password_and_totp_once(
    services: Stack, cleanup: str, admin_sql: psycopg.Connection
) -> None:
    user = await staff(services, f"clerk.{cleanup}")
    code = pyotp.TOTP(user["secret"]).now()
    signed = await services.run(
        services.login.password_login, user["login"], PASSWORD, totp_code=code, ip="10.1.1.1"
    )
    assert signed.session.second_factor and signed.session.idle_seconds == 1800
    assert (await services.session_store.get(signed.token)) is not None
    # The same code again, even with the right password: refused as reused.
    with pytest.raises(InvalidInput) as info:
        await services.run(
            services.login.password_login, user["login"], PASSWORD, totp_code=code, ip="10.1.1.1"
        )
    assert info.value.code == "identity.totp_reused"
    await services.run(services.login.logout, signed.token, ip="10.1.1.1")
    assert await services.session_store.get(signed.token) is None
    reasons = [r[1] for r in audit_rows(admin_sql, user["id"], "")]
    assert reasons == ["password+totp", "totp_reused"]


async def test_five_failures_lock_and_the_message_never_changes(
    services: Stack, cleanup: str, admin_sql: psycopg.Connection
) -> None:
    user = await staff(services, f"locked.{cleanup}")
    messages = set()
    for _ in range(5):
        with pytest.raises(NotAuthenticated) as info:
            await services.run(
                services.login.password_login,
                user["login"],
                "Wrong#Pass1",
                totp_code=None,
                ip=f"10.2.{int(cleanup[:2], 16)}.{int(cleanup[2:4], 16)}",
            )
        messages.add(info.value.message())
    # Locked now: even the right password and a valid TOTP code fail, the same way.
    with pytest.raises(NotAuthenticated) as locked:
        await services.run(
            services.login.password_login,
            user["login"],
            PASSWORD,
            totp_code=pyotp.TOTP(user["secret"]).now(),
            ip=f"10.2.{int(cleanup[:2], 16)}.{int(cleanup[2:4], 16)}",
        )
    messages.add(locked.value.message())
    # An unknown login gets the very same message.
    with pytest.raises(NotAuthenticated) as unknown:
        await services.run(
            services.login.password_login,
            f"ghost.{cleanup}",
            "Wrong#Pass1",
            totp_code=None,
            ip=f"10.2.{int(cleanup[:2], 16)}.{int(cleanup[2:4], 16)}",
        )
    messages.add(unknown.value.message())
    assert len(messages) == 1 and unknown.value.code == "identity.login_failed"
    reasons = [r[1] for r in audit_rows(admin_sql, user["id"], "")]
    assert reasons == ["bad_password"] * 4 + ["bad_password+locked", "locked"]
    ghost = audit_rows(admin_sql, None, f"ghost.{cleanup}")
    assert ghost == [("failure", "unknown_login")]
    row = admin_sql.execute(
        "SELECT locked_until IS NOT NULL FROM accounts WHERE id = %s", (user["id"],)
    )
    assert row.fetchone() == (True,)


async def test_oversized_password_is_a_failed_login_not_seconds_of_work(
    services: Stack, cleanup: str
) -> None:
    user = await staff(services, f"big.{cleanup}")
    with pytest.raises(NotAuthenticated):
        await services.run(
            services.login.password_login,
            user["login"],
            "A1!" * 100_000,
            totp_code=None,
            ip="10.1.1.3",
        )


async def test_citizen_signs_in_by_sms_and_is_masked_elsewhere(
    services: Stack, cleanup: str, tmp_path: Path, admin_sql: psycopg.Connection
) -> None:
    phone = "139" + str(int(cleanup, 16) % 10**8).zfill(8)
    await services.run(services.login.request_sms_code, phone, ip="10.1.1.4")
    text = read_sms_log(tmp_path / "sms.log")[-1]["text"]
    code = re.search(r"验证码为 (\d{6})", text)
    assert code is not None
    signed = await services.run(services.login.sms_login, phone, code.group(1), ip="10.1.1.4")
    assert signed.session.kind == "citizen" and not signed.session.admin
    with pytest.raises(InvalidInput) as reused:
        await services.run(services.login.sms_login, phone, code.group(1), ip="10.1.1.4")
    assert reused.value.code == "identity.sms_code_invalid"
    stored = admin_sql.execute(
        "SELECT login, phone_enc FROM accounts WHERE id = %s", (signed.account_id,)
    ).fetchone()
    assert stored is not None and stored[0] == phone[:3] + "****" + phone[-4:]
    assert phone not in stored[1], "the phone number is encrypted at rest"
    async with services.sessions() as db:
        account = await services.accounts.get(db, signed.account_id)
    assert account is not None
    assert services.accounts.profile(account, own=True)["phone"] == phone
    assert services.accounts.profile(account, own=False)["phone"] == stored[0]
    admin_sql.execute("DELETE FROM accounts WHERE id = %s", (signed.account_id,))


async def test_rate_limit_and_totp_fail_closed_without_redis(
    migrated: Settings, gansu: dict[str, int], sessions: Any, tmp_path: Path
) -> None:
    dead = Cache("redis://127.0.0.1:1/0")
    policy = build_policy(migrated, sessions, dead)
    identity = build_identity(
        migrated,
        dead,
        is_admin=policy.is_admin,
        hashing=PasswordHashing(HashingParameters.for_tests()),
    )
    services = Stack(sessions, dead, TenantDirectory(sessions, dead), policy, identity)
    await services.sync.start()
    try:
        with pytest.raises(ServiceUnavailable) as info:
            await services.run(
                services.login.password_login, "anyone", PASSWORD, totp_code=None, ip="10.1.1.5"
            )
        assert info.value.code == "identity.security_unavailable"
        with pytest.raises(ServiceUnavailable):
            await services.run(services.login.request_sms_code, "13800000000", ip="10.1.1.5")
    finally:
        await services.sync.stop()
        await dead.close()
