"""Fixtures for the admin pages: the app on the real services with jobs inline, people
signed in through the console's form with the grants a test names, and the tenants the
tests onboard or suspend put back afterwards."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import replace
from pathlib import Path

import psycopg
import pytest
from litestar.testing import AsyncTestClient

from tests.integration.runtime.console.conftest import HTML, Console
from tests.integration.stack import Stack
from tests.integration.staff import PASSWORD, make_staff, totp_code
from yiwang.app import build_platform, create_app
from yiwang.platform.settings import Settings
from yiwang.policy.identity.passwords import HashingParameters, PasswordHashing
from yiwang.runtime.jobs.settings import JobSettings
from yiwang.tenants.tree import TenantTree

PROVINCE = "620000"
LANZHOU = "620100"
#: the county these tests suspend and resume (put back to active afterwards)
GAOLAN = "620122"
#: the zone these tests onboard (removed before and after)
NEW_ZONE = "620172"
ZONE_FILE = f"code,name,level,parent_code\n{NEW_ZONE},兰州高新技术产业开发区,zone,{LANZHOU}\n"


def tenant_status(admin_sql: psycopg.Connection, code: str) -> str:
    row = admin_sql.execute("SELECT status FROM tenants WHERE code = %s", (code,)).fetchone()
    assert row is not None
    return str(row[0])


def admin_url(code: str, *tail: str) -> str:
    return "/".join([f"/console/t/{code}/admin", *tail])


class Admins(Console):
    async def person(
        self, name: str, grants: list[tuple[str, str, bool]], home: str = PROVINCE
    ) -> dict[str, str]:
        """A staff member with `grants` (role, tenant, subtree), signed in through the
        console's form: their browser's cookies."""
        login = f"{name}.{self.tag}"
        secret = await make_staff(self.services, login, home, grants)
        self.secrets[login] = secret
        async with asyncio.timeout(5):
            while self.platform.policy.sync.holder.version < self.services.sync.holder.version:  # noqa: ASYNC110
                await asyncio.sleep(0.01)
        self.client.cookies.clear()
        done = await self.sign_in(login, PASSWORD, totp_code(secret))
        assert done.status_code == 303, done.text
        cookies = dict(self.client.cookies.items())
        self.client.cookies.clear()
        return cookies

    async def upload(
        self, cookies: dict[str, str], content: bytes, *, csrf: bool = True
    ) -> tuple[int, str]:
        """The onboarding form posted with `content` as the division file: the answer's
        status and where it sends the browser (or its body)."""
        data = {"template": "gansu", **({"_csrf": cookies["yiwang_csrf"]} if csrf else {})}
        files = {"divisions": ("divisions.csv", content, "text/csv")} if content else None
        resp = await self.client.post(
            admin_url(PROVINCE, "onboarding"),
            data=data,
            files=files,
            headers={**HTML, "cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())},
            follow_redirects=False,
        )
        return resp.status_code, resp.headers.get("location") or resp.text

    async def province_admin(self, name: str = "padmin") -> dict[str, str]:
        return await self.person(name, [("province_admin", PROVINCE, True)])


@asynccontextmanager
async def admin_app(
    settings: Settings, services: Stack, cleanup: str, tmp_path: Path, jobs: JobSettings
) -> AsyncIterator[Admins]:
    """The app on the real services running its jobs as `jobs` says."""
    platform = build_platform(
        replace(settings, var_dir=tmp_path),
        hashing=PasswordHashing(HashingParameters.for_tests()),
        policy_poll_seconds=0.2,
        job_settings=jobs,
    )
    app = create_app(platform=platform)
    async with AsyncTestClient(app=app, base_url="http://127.0.0.1:8000") as client:
        yield Admins(client, platform, services, cleanup, tmp_path)


@pytest.fixture
async def admins(
    migrated: Settings,
    installed: TenantTree,
    services: Stack,
    cleanup: str,
    tmp_path: Path,
) -> AsyncIterator[Admins]:
    jobs = JobSettings(redis_url=migrated.redis_url, mode="inline")
    async with admin_app(migrated, services, cleanup, tmp_path, jobs) as found:
        yield found


@pytest.fixture
def restore_gaolan(admin_sql: psycopg.Connection) -> Iterator[str]:
    """皋兰县 active again after the test, whatever it did."""
    yield GAOLAN
    changed = admin_sql.execute(
        "UPDATE tenants SET status = 'active' WHERE code = %s AND status <> 'active'", (GAOLAN,)
    ).rowcount
    if changed:
        admin_sql.execute("UPDATE registry_state SET version = version + 1 WHERE id = 1")


@pytest.fixture
def purge_zone(admin_sql: psycopg.Connection) -> Iterator[str]:
    def purge() -> None:
        admin_sql.execute(
            "DELETE FROM departments WHERE tenant_id IN (SELECT id FROM tenants WHERE code = %s)",
            (NEW_ZONE,),
        )
        if admin_sql.execute("DELETE FROM tenants WHERE code = %s", (NEW_ZONE,)).rowcount:
            admin_sql.execute("UPDATE registry_state SET version = version + 1 WHERE id = 1")

    purge()
    yield NEW_ZONE
    purge()
