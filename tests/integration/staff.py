"""Staff accounts for tests, made the way people get them: an administrator creates the
account and receives an activation code; the person activates it with their own
password and the TOTP secret their authenticator enrols; then they sign in."""

from __future__ import annotations

import secrets
import time
from typing import Any
from urllib.parse import parse_qs, urlparse

import pyotp
from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.integration.stack import Stack

PASSWORD = "Hx7#qLm2vT"
_STEP = 30
#: time steps whose code this process already used, per secret: each works once
_USED: dict[str, set[int]] = {}


def totp_code(secret: str) -> str:
    """A code of `secret` that was not used yet and stays accepted for a while.

    The server accepts the current step and one either side. The next step's code stays
    good for 30 to 60 seconds and the current one's for at least 30, so those come first;
    the previous step's is taken only while its step has more than 10 seconds left, since a
    busy machine may verify it after the step has ended. Otherwise wait for the next step.
    """
    while True:
        now = time.time()
        current = int(now) // _STEP
        left = _STEP - now % _STEP
        used = _USED.setdefault(secret, set())
        candidates = [current + 1, current] + ([current - 1] if left > 10 else [])
        for step in candidates:
            if step not in used:
                used.add(step)
                return str(pyotp.TOTP(secret).at(step * _STEP))
        time.sleep(left + 0.05)


#: who creates test accounts: not the actor who grants them roles, since whoever held an
#: account's activation code may not grant it a separated duty
ISSUER = "test:issuer"


def secret_of(totp_uri: str) -> str:
    return str(parse_qs(urlparse(totp_uri).query)["secret"][0])


def fresh_ip() -> str:
    """A source address of its own, so one test's attempts never throttle another's."""
    return "10.{}.{}.{}".format(*secrets.token_bytes(3))


async def activate(services: Stack, login: str, code: str, password: str = PASSWORD) -> str:
    """The person's first sign-in: their own password, their own TOTP secret; returns it.

    Codes come from `totp_code`, so the sign-ins that follow never replay one.
    """
    secret, _ = await activate_signed_in(services, login, code, password)
    return secret


async def activate_signed_in(
    services: Stack, login: str, code: str, password: str = PASSWORD
) -> tuple[str, str]:
    """`activate`, and the session its confirmation signs the person in to: (TOTP secret,
    session token). A test that needs a session and many codes of one secret starts from
    this one: the verifier's window holds three codes, and a fourth waits for the clock."""
    ip = fresh_ip()
    started = await services.run(services.enrolment.activate, login, code, password, ip=ip)
    secret = secret_of(started.totp_uri)
    signed = await services.run(
        services.enrolment.confirm, login, code, password, totp_code(secret), ip=ip
    )
    return secret, signed.token


async def create_staff(
    services: Stack, login: str, tenant: str, department: str | None = None
) -> dict[str, Any]:
    """The account as the command line creates it: its answer, activation code included."""
    created: dict[str, Any] = await services.account_admin(
        "create",
        as_actor=ISSUER,
        login=login,
        kind="staff",
        tenant_code=tenant,
        department=department,
        display_name=None,
        actor=None,
    )
    return created


async def make_staff(
    services: Stack,
    login: str,
    tenant: str,
    grants: list[tuple[str, str, bool]],
    department: str | None = None,
) -> str:
    """Create and activate a staff account, then grant it roles; returns its TOTP secret."""
    secret, _ = await make_staff_signed_in(services, login, tenant, grants, department)
    return secret


async def make_staff_signed_in(
    services: Stack,
    login: str,
    tenant: str,
    grants: list[tuple[str, str, bool]],
    department: str | None = None,
) -> tuple[str, str]:
    """`make_staff`, and the session of the activation: (TOTP secret, session token)."""
    created = await create_staff(services, login, tenant, department)
    secret, token = await activate_signed_in(services, login, created["activation_code"])
    for role, code, subtree in grants:
        await services.admin(
            "grant", login=login, role=role, tenant_code=code, subtree=subtree, granter=None
        )
    return secret, token


async def sign_in(
    client: AsyncTestClient[Litestar], login: str, secret: str, password: str = PASSWORD
) -> dict[str, str]:
    # like a page of ours: a browser that already holds a session also sends the CSRF token
    token = client.cookies.get("yiwang_csrf")
    resp = await client.post(
        "/api/v1/auth/login",
        json={"login": login, "password": password, "totp": totp_code(secret)},
        headers={"x-csrf-token": token} if token else None,
    )
    assert resp.status_code == 200, resp.text
    return {"authorization": f"Bearer {resp.json()['token']}"}
