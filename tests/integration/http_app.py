"""The platform as `create_app` builds it, behind a test client, with staff made and signed
in the way people are (see `staff`).

The test client runs the app on an event loop of its own; accounts and grants are
made through `services` on the test's loop, and the app's worker learns of them
through the policy broadcast, exactly as a second worker would.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.integration.stack import Stack
from tests.integration.staff import PASSWORD, make_staff, make_staff_signed_in, totp_code
from yiwang.app import Platform


@dataclass
class Http:
    client: AsyncTestClient[Litestar]
    platform: Platform
    services: Stack

    async def caught_up(self) -> None:
        """Until the app's worker runs the policy version the test's side last wrote."""
        wanted = self.services.sync.holder.version
        async with asyncio.timeout(2):
            while self.platform.policy.sync.holder.version < wanted:  # noqa: ASYNC110
                await asyncio.sleep(0.01)

    async def sign_in(self, login: str, secret: str, password: str = PASSWORD) -> dict[str, str]:
        resp = await self.client.post(
            "/api/v1/auth/login",
            json={"login": login, "password": password, "totp": totp_code(secret)},
        )
        assert resp.status_code == 200, resp.text
        self.client.cookies.clear()  # each caller sends its own bearer token
        return {"authorization": f"Bearer {resp.json()['token']}"}

    async def staff(
        self,
        login: str,
        tenant: str,
        grants: list[tuple[str, str, bool]],
        department: str | None = None,
    ) -> tuple[dict[str, str], str]:
        """A staff account, activated by its person, granted `grants`, signed in:
        its bearer headers and TOTP secret."""
        secret = await make_staff(self.services, login, tenant, grants, department)
        await self.caught_up()
        return await self.sign_in(login, secret), secret

    async def activated_staff(
        self,
        login: str,
        tenant: str,
        grants: list[tuple[str, str, bool]],
        department: str | None = None,
    ) -> tuple[dict[str, str], str]:
        """`staff`, holding the session the activation started instead of signing in again:
        one TOTP code fewer, for the tests that spend several codes of the secret."""
        secret, token = await make_staff_signed_in(self.services, login, tenant, grants, department)
        await self.caught_up()
        return {"authorization": f"Bearer {token}"}, secret

    async def post(self, path: str, auth: dict[str, str] | None = None, **kw: Any) -> Any:
        return await self.client.post(path, headers=auth or {}, **kw)

    async def get(self, path: str, auth: dict[str, str] | None = None, **kw: Any) -> Any:
        return await self.client.get(path, headers=auth or {}, **kw)


def error_of(resp: Any) -> tuple[int, str]:
    return resp.status_code, resp.json()["error"]["code"]
