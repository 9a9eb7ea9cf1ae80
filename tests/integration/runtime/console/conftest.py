"""Fixtures for the console's pages: the app on the real services, staff signed in
through the console's own form, citizens who open cases through the API."""

from __future__ import annotations

import asyncio
import html
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import psycopg
import pytest
from httpx import Response
from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.integration.runtime.cases.conftest import purge_cases
from tests.integration.runtime.cases.licensing import DEPT
from tests.integration.security.people import phone_for, sign_in_citizen
from tests.integration.stack import Stack
from tests.integration.staff import PASSWORD, fresh_ip, make_staff, totp_code
from yiwang.app import Platform, build_platform, create_app
from yiwang.platform.settings import Settings
from yiwang.policy.identity.passwords import HashingParameters, PasswordHashing
from yiwang.runtime.jobs.settings import JobSettings
from yiwang.tenants.tree import TenantTree

Client = AsyncTestClient[Litestar]
CHENGGUAN = "620102"
QILIHE = "620103"
HTML = {"accept": "text/html,application/xhtml+xml"}
#: the platform's own internal application on its standard route (accept, review, decide)
APPLICATION = {
    "service_item": "SI-0001",
    "form": "application",
    "route": "standard",
    "implementing_department": DEPT,
    "data": {"contact_phone": "13800000000"},
}


@dataclass
class Console:
    client: Client
    platform: Platform
    services: Stack
    tag: str
    var_dir: Path
    #: the citizens' accounts: their cases and accounts are removed afterwards
    citizens: list[int] = field(default_factory=list)
    #: each staff member's TOTP secret, by login
    secrets: dict[str, str] = field(default_factory=dict)

    async def staff(
        self,
        name: str,
        role: str,
        tenant: str = CHENGGUAN,
        department: str | None = DEPT,
        display_name: str | None = None,
    ) -> dict[str, str]:
        """A staff member signed in through the console's form: their browser's cookies."""
        login = f"{name}.{self.tag}"
        secret = await make_staff(
            self.services,
            login,
            tenant,
            [(role, tenant, False)],
            department=department,
            display_name=display_name,
        )
        self.secrets[login] = secret
        async with asyncio.timeout(5):
            while self.platform.policy.sync.holder.version < self.services.sync.holder.version:  # noqa: ASYNC110
                await asyncio.sleep(0.01)
        self.client.cookies.clear()
        done = await self.sign_in(login, PASSWORD, totp_code(secret))
        assert done.status_code == 303, done.text
        cookies = {k: v for k, v in self.client.cookies.items()}
        self.client.cookies.clear()
        return cookies

    async def sign_in(self, login: str, password: str, totp: str, next_path: str = "") -> Response:
        await self.client.get("/console/signin", headers=HTML)
        return await self.client.post(
            "/console/signin",
            data={
                "login": login,
                "password": password,
                "totp": totp,
                "next": next_path,
                "_csrf": self.client.cookies.get("yiwang_csrf") or "",
            },
            headers={**HTML, "x-forwarded-for": fresh_ip()},
            follow_redirects=False,
        )

    async def citizen(self, n: int = 1) -> dict[str, str]:
        self.client.cookies.clear()
        headers = await sign_in_citizen(self.client, self.var_dir, phone_for(self.tag, n))
        self.client.cookies.clear()
        me = await self.client.get("/api/v1/me", headers=headers)
        self.citizens.append(int(me.json()["id"]))
        return headers

    async def open_case(self, citizen: dict[str, str]) -> str:
        opened = await self.client.post(
            f"/api/v1/t/{CHENGGUAN}/cases", json=APPLICATION, headers=citizen
        )
        assert opened.status_code == 201, opened.text
        return str(opened.json()["number"])

    async def page(self, path: str, cookies: dict[str, str] | None = None, **kw: Any) -> Response:
        return await self.client.get(
            path, headers={**HTML, **_cookie_header(cookies)}, follow_redirects=False, **kw
        )

    async def post(
        self, path: str, cookies: dict[str, str], data: dict[str, str], *, csrf: bool = True
    ) -> Response:
        form = {**data, **({"_csrf": cookies.get("yiwang_csrf", "")} if csrf else {})}
        return await self.client.post(
            path, data=form, headers={**HTML, **_cookie_header(cookies)}, follow_redirects=False
        )


def _cookie_header(cookies: dict[str, str] | None) -> dict[str, str]:
    if not cookies:
        return {}
    return {"cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())}


def text_of(page: str) -> str:
    """The page's text, tags dropped and entities decoded, for looking for sentences."""
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


@pytest.fixture
async def console(
    migrated: Settings,
    installed: TenantTree,
    services: Stack,
    cleanup: str,
    tmp_path: Path,
    admin_sql: psycopg.Connection,
) -> AsyncIterator[Console]:
    settings = replace(migrated, var_dir=tmp_path)
    # jobs inline: an uploaded material is verified before its upload call answers
    jobs = JobSettings(
        redis_url=settings.redis_url, mode="inline", queue_name=f"test-{cleanup}", concurrency=2
    )
    platform = build_platform(
        settings,
        hashing=PasswordHashing(HashingParameters.for_tests()),
        policy_poll_seconds=0.2,
        job_settings=jobs,
    )
    app = create_app(platform=platform)
    async with AsyncTestClient(app=app, base_url="http://127.0.0.1:8000") as client:
        made = Console(client, platform, services, cleanup, tmp_path)
        yield made
    for account_id in made.citizens:
        purge_cases(admin_sql, f"account:{account_id}")
        admin_sql.execute("DELETE FROM accounts WHERE id = %s", (account_id,))
