"""Staff accounts for HTTP tests: create with grants, sign in with password and TOTP."""

from __future__ import annotations

import time
from urllib.parse import parse_qs, urlparse

import pyotp
from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.integration.stack import Stack

PASSWORD = "Hx7#qLm2vT"


async def make_staff(
    services: Stack,
    login: str,
    tenant: str,
    grants: list[tuple[str, str, bool]],
    department: str | None = None,
) -> str:
    """Create a staff account with grants; returns its TOTP secret."""
    created = await services.admin(
        "create_user",
        login=login,
        kind="staff",
        tenant_code=tenant,
        department=department,
        display_name=None,
    )
    async with services.sessions() as db, db.begin():
        account = await services.accounts.get(db, created["id"])
        assert account is not None
        account.password_hash = services.accounts.hashing.hash(PASSWORD)
    for role, code, subtree in grants:
        await services.admin(
            "grant", login=login, role=role, tenant_code=code, subtree=subtree, granter=None
        )
    return str(parse_qs(urlparse(created["totp_uri"]).query)["secret"][0])


async def sign_in(
    client: AsyncTestClient[Litestar], login: str, secret: str, at: float | None = None
) -> dict[str, str]:
    code = pyotp.TOTP(secret).at(at or time.time())
    # like a page of ours: a browser that already holds a session also sends the CSRF token
    token = client.cookies.get("yiwang_csrf")
    resp = await client.post(
        "/api/v1/auth/login",
        json={"login": login, "password": PASSWORD, "totp": code},
        headers={"x-csrf-token": token} if token else None,
    )
    assert resp.status_code == 200, resp.text
    return {"authorization": f"Bearer {resp.json()['token']}"}
