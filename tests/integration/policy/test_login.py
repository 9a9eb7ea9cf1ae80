"""Sign-in on the real database and Redis, attacked: every failure looks the same, costs
the same, cannot be turned against the holder, and is audited, malformed input included."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import psycopg
import pyotp
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.integration.stack import Stack
from tests.integration.staff import PASSWORD, activate, create_staff, fresh_ip, totp_code
from yiwang.platform.cache import Cache
from yiwang.platform.errors import (
    InvalidInput,
    NotAuthenticated,
    RateLimited,
    ServiceUnavailable,
    YiwangError,
)
from yiwang.platform.message_log import read_messages
from yiwang.platform.settings import Settings
from yiwang.policy.dependencies import build_policy
from yiwang.policy.identity.dependencies import build_identity
from yiwang.policy.identity.passwords import HashingParameters, PasswordHashing
from yiwang.policy.identity.sms import DevelopmentSmsGateway
from yiwang.tenants.directory import TenantDirectory


async def staff(services: Stack, login: str) -> dict[str, Any]:
    """A staff account its person activated: its id, login and TOTP secret."""
    created = await create_staff(services, login, "620102")
    created["secret"] = await activate(services, login, created["activation_code"])
    return created


def audit_reasons(admin_sql: psycopg.Connection, account_id: int) -> list[str]:
    rows = admin_sql.execute(
        "SELECT detail->>'reason' FROM audit_log WHERE action = 'identity.login'"
        " AND object_id = %s ORDER BY seq",
        (str(account_id),),
    ).fetchall()
    return [r[0] for r in rows]


async def attempt(services: Stack, login: str, password: str, totp: str | None, ip: str) -> Any:
    """The sign-in's error (or its result)."""
    try:
        return await services.run(
            services.login.password_login, login, password, totp_code=totp, ip=ip
        )
    except YiwangError as exc:
        return exc


async def test_staff_signs_in_with_password_and_totp_once(
    services: Stack, cleanup: str, admin_sql: psycopg.Connection
) -> None:
    user = await staff(services, f"clerk.{cleanup}")
    code = totp_code(user["secret"])
    signed = await services.run(
        services.login.password_login, user["login"], PASSWORD, totp_code=code, ip=fresh_ip()
    )
    assert signed.session.second_factor and signed.session.idle_seconds == 1800
    assert not signed.session.password_expired
    assert (await services.session_store.get(signed.token)) is not None
    # The same code again, even with the right password: refused, like any failure.
    replay = await attempt(services, user["login"], PASSWORD, code, fresh_ip())
    assert isinstance(replay, NotAuthenticated) and replay.code == "identity.login_failed"
    await services.run(services.login.logout, signed.token, ip="10.1.1.1")
    assert await services.session_store.get(signed.token) is None
    assert audit_reasons(admin_sql, user["id"]) == ["password+totp", "totp_reused"]


async def test_a_right_password_with_a_wrong_second_factor_looks_like_a_wrong_password(
    services: Stack, cleanup: str, admin_sql: psycopg.Connection
) -> None:
    """The password oracle: whichever factor is wrong, the answer is the same."""
    user = await staff(services, f"oracle.{cleanup}")
    login = user["login"]
    wrong_code = str((int(pyotp.TOTP(user["secret"]).now()) + 500_000) % 1_000_000).zfill(6)
    answers = [
        await attempt(services, login, "Wrong#Pass1", None, fresh_ip()),
        await attempt(services, login, PASSWORD, None, fresh_ip()),
        await attempt(services, login, PASSWORD, wrong_code, fresh_ip()),
        await attempt(services, login, PASSWORD, "", fresh_ip()),
        await attempt(services, f"ghost.{cleanup}", PASSWORD, wrong_code, fresh_ip()),
    ]
    assert all(isinstance(a, NotAuthenticated) for a in answers), answers
    assert {(a.status, a.code, a.message(), a.pointer) for a in answers} == {
        (401, "identity.login_failed", answers[0].message(), None)
    }
    assert audit_reasons(admin_sql, user["id"]) == [
        "bad_password",
        "totp_missing",
        "bad_totp",
        "totp_missing",
    ]


async def test_every_failure_costs_the_same_work(
    migrated: Settings,
    gansu: dict[str, int],
    sessions: async_sessionmaker[AsyncSession],
    tmp_path: Path,
    cleanup: str,
) -> None:
    """The timing class: with a real Argon2 cost, a right password with a wrong TOTP code
    takes as long as a wrong password or an unknown login (each runs one verification)."""
    cache = Cache(migrated.redis_url)
    policy = build_policy(migrated, sessions, cache)
    costly = PasswordHashing(HashingParameters(time_cost=2, memory_cost_kib=32768, parallelism=1))
    identity = build_identity(
        migrated,
        cache,
        sessions,
        is_admin=policy.is_admin,
        sms_gateway=DevelopmentSmsGateway(tmp_path / "sms.log"),
        hashing=costly,
    )
    stack = Stack(sessions, cache, TenantDirectory(sessions, cache), policy, identity)
    await stack.directory.load()
    await policy.sync.start()
    try:
        user = await staff(stack, f"timing.{cleanup}")
        wrong = str((int(pyotp.TOTP(user["secret"]).now()) + 500_000) % 1_000_000).zfill(6)
        cases = {
            "wrong_password": ("Wrong#Pass1", wrong, user["login"]),
            "right_password_wrong_totp": (PASSWORD, wrong, user["login"]),
            "right_password_no_totp": (PASSWORD, None, user["login"]),
            "unknown_login": (PASSWORD, wrong, f"nobody.{cleanup}"),
        }
        times: dict[str, list[float]] = {k: [] for k in cases}
        for _ in range(2):  # interleaved, below the per-account lock (5 failures)
            for name, (password, code, login) in cases.items():
                started = time.perf_counter()
                answer = await attempt(stack, login, password, code, fresh_ip())
                times[name].append(time.perf_counter() - started)
                assert isinstance(answer, NotAuthenticated)
        # the fastest of each class: the cost of its work, without a pause of the machine
        # (with two samples, one stall doubled a median under the CI's parallel halves)
        fastest = {k: min(v) for k, v in times.items()}
        baseline = fastest["wrong_password"]
        # Skipping the Argon2 verification would make a class 10x faster or more.
        assert all(0.5 < m / baseline < 2.0 for m in fastest.values()), fastest
    finally:
        await policy.sync.stop()
        await cache.close()


async def test_an_attacker_cannot_lock_the_holder_out(
    services: Stack, cleanup: str, admin_sql: psycopg.Connection
) -> None:
    """Wrong passwords from many addresses lock the account against password-only
    attempts; the holder, with their TOTP code, still signs in (and so unlocks it)."""
    user = await staff(services, f"victim.{cleanup}")
    for _ in range(5):  # a distributed attacker: one failure per address
        assert isinstance(
            await attempt(services, user["login"], "Wrong#Pass1", "000000", fresh_ip()),
            NotAuthenticated,
        )
    locked = admin_sql.execute(
        "SELECT locked_until > now() FROM accounts WHERE id = %s", (user["id"],)
    ).fetchone()
    assert locked == (True,)
    # An attacker who phished the password but lacks the second factor: still refused.
    phished = await attempt(services, user["login"], PASSWORD, "123456", fresh_ip())
    assert isinstance(phished, NotAuthenticated) and phished.code == "identity.login_failed"
    # The holder signs in with both factors, from wherever they are.
    holder = await attempt(services, user["login"], PASSWORD, totp_code(user["secret"]), fresh_ip())
    assert not isinstance(holder, YiwangError), holder
    row = admin_sql.execute(
        "SELECT locked_until, failed_logins FROM accounts WHERE id = %s", (user["id"],)
    ).fetchone()
    assert row == (None, 0)
    assert audit_reasons(admin_sql, user["id"]) == [
        *(["bad_password"] * 4),
        "bad_password+locked",
        "locked",
        "password+totp",
    ]


async def test_one_source_slows_down_with_growing_delays_and_others_do_not(
    services: Stack, cleanup: str, admin_sql: psycopg.Connection
) -> None:
    user = await staff(services, f"slow.{cleanup}")
    attacker = fresh_ip()
    for _ in range(3):  # free failures
        assert isinstance(
            await attempt(services, user["login"], "Wrong#Pass1", None, attacker),
            NotAuthenticated,
        )
    throttled = await attempt(services, user["login"], PASSWORD, None, attacker)
    assert isinstance(throttled, RateLimited) and throttled.status == 429
    assert throttled.params["retry_after"] == 1
    # The throttled attempt is on record, naming its actor as every sign-in record does.
    recorded = admin_sql.execute(
        "SELECT actor, outcome, detail->>'reason', detail->>'login' FROM audit_log"
        " WHERE action = 'identity.login' AND detail->>'ip' = %s ORDER BY seq",
        (attacker,),
    ).fetchall()
    assert [r[0] for r in recorded] == [user["login"]] * 4
    assert recorded[-1] == (user["login"], "failure", "throttled", user["login"])
    await asyncio.sleep(1.1)
    assert isinstance(await attempt(services, user["login"], "x", None, attacker), NotAuthenticated)
    doubled = await attempt(services, user["login"], "x", None, attacker)
    assert isinstance(doubled, RateLimited) and doubled.params["retry_after"] == 2
    # The holder, from another address, is not slowed down at all.
    holder = await attempt(services, user["login"], PASSWORD, totp_code(user["secret"]), fresh_ip())
    assert not isinstance(holder, YiwangError), holder


@pytest.mark.parametrize(
    ("login", "shown"),
    [("admin\x00", "admin\\u0000"), ("a\u202eb", "a\\u202eb"), ("x" * 200, "x" * 64), (" ", "")],
    ids=["nul", "bidi-override", "overlong", "blank"],
)
async def test_malformed_logins_are_refused_with_a_4xx_and_audited(
    services: Stack, admin_sql: psycopg.Connection, login: str, shown: str
) -> None:
    ip = fresh_ip()
    answer = await attempt(services, login, PASSWORD, None, ip)
    assert isinstance(answer, InvalidInput) and answer.code == "identity.login_malformed"
    assert answer.status == 422
    row = admin_sql.execute(
        "SELECT outcome, actor, detail->>'reason', detail->>'login' FROM audit_log"
        " WHERE action = 'identity.login' AND detail->>'ip' = %s",
        (ip,),
    ).fetchone()
    # One actor format for every sign-in record: the login claimed, escaped (blank: anonymous).
    assert row == ("failure", shown or "anonymous", "malformed_login", shown)


async def test_oversized_password_is_a_failed_login_not_seconds_of_work(
    services: Stack, cleanup: str
) -> None:
    user = await staff(services, f"big.{cleanup}")
    answer = await attempt(services, user["login"], "A1!" * 100_000, None, fresh_ip())
    assert isinstance(answer, NotAuthenticated)


async def test_citizen_signs_in_by_sms_and_is_masked_elsewhere(
    services: Stack, cleanup: str, tmp_path: Path, admin_sql: psycopg.Connection
) -> None:
    phone = "139" + str(int(cleanup, 16) % 10**8).zfill(8)
    ip = fresh_ip()
    await services.run(services.login.request_sms_code, phone, ip=ip)
    text = read_messages(tmp_path / "sms.log")[-1]["text"]
    code = re.search(r"验证码为 (\d{6})", text)
    assert code is not None
    signed = await services.run(services.login.sms_login, phone, code.group(1), ip=ip)
    assert signed.session.kind == "citizen" and not signed.session.admin
    with pytest.raises(InvalidInput) as reused:
        await services.run(services.login.sms_login, phone, code.group(1), ip=ip)
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


async def test_a_malformed_phone_is_refused_and_audited(
    services: Stack, admin_sql: psycopg.Connection
) -> None:
    ip = fresh_ip()
    with pytest.raises(InvalidInput) as info:
        await services.run(services.login.sms_login, "1380013\x008000", "123456", ip=ip)
    assert info.value.code == "identity.phone_invalid"
    row = admin_sql.execute(
        "SELECT outcome, actor, detail->>'reason', detail->>'phone' FROM audit_log"
        " WHERE action = 'identity.login' AND detail->>'ip' = %s",
        (ip,),
    ).fetchone()
    assert row == ("failure", "1380013\\u00008000", "malformed_phone", "1380013\\u00008000")


async def test_sms_codes_beyond_the_limit_are_refused_and_audited(
    services: Stack, cleanup: str, admin_sql: psycopg.Connection
) -> None:
    """An attacker asking for code after code (SMS bombing) is refused, and on record."""
    phone = "135" + str(int(cleanup, 16) % 10**8).zfill(8)
    ip = fresh_ip()
    await services.run(services.login.request_sms_code, phone, ip=ip)
    with pytest.raises(RateLimited):
        await services.run(services.login.request_sms_code, phone, ip=ip)
    rows = admin_sql.execute(
        "SELECT actor, outcome, detail->>'reason' FROM audit_log"
        " WHERE action = 'identity.sms_code' AND detail->>'ip' = %s ORDER BY seq",
        (ip,),
    ).fetchall()
    masked = phone[:3] + "****" + phone[-4:]
    assert rows == [(masked, "success", "sent"), (masked, "failure", "throttled")]


@pytest.fixture
async def dead_redis(
    migrated: Settings, gansu: dict[str, int], sessions: Any
) -> AsyncIterator[Stack]:
    dead = Cache("redis://127.0.0.1:1/0")
    policy = build_policy(migrated, sessions, dead)
    identity = build_identity(
        migrated,
        dead,
        sessions,
        is_admin=policy.is_admin,
        hashing=PasswordHashing(HashingParameters.for_tests()),
    )
    stack = Stack(sessions, dead, TenantDirectory(sessions, dead), policy, identity)
    await stack.sync.start()
    try:
        yield stack
    finally:
        await stack.sync.stop()
        await dead.close()


async def test_rate_limit_and_totp_fail_closed_without_redis(dead_redis: Stack) -> None:
    with pytest.raises(ServiceUnavailable) as info:
        await dead_redis.run(
            dead_redis.login.password_login, "anyone", PASSWORD, totp_code=None, ip="10.1.1.5"
        )
    assert info.value.code == "identity.security_unavailable"
    with pytest.raises(ServiceUnavailable):
        await dead_redis.run(dead_redis.login.request_sms_code, "13800000000", ip="10.1.1.5")
