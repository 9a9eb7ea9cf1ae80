"""Editor fixtures: the app with a fast policy sync, operators signed in by cookie, and
the metadata tables restored after each test (publishing changes what is current)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.integration.metadata.conftest import restore  # noqa: F401  (a fixture)
from tests.integration.stack import Stack
from tests.integration.staff import make_staff, sign_in
from yiwang.app import Platform, build_platform, create_app
from yiwang.platform.settings import Settings
from yiwang.policy.identity.passwords import HashingParameters, PasswordHashing
from yiwang.tenants.tree import TenantTree

Client = AsyncTestClient[Litestar]
#: a browser's request: error answers come as pages
HTML = {"accept": "text/html"}
OPERATOR_ROLES = {"620100": "prefecture_operator", "620102": "county_operator"}


@pytest.fixture
async def platform(migrated: Settings, installed: TenantTree) -> AsyncIterator[Platform]:
    yield build_platform(
        migrated, hashing=PasswordHashing(HashingParameters.for_tests()), policy_poll_seconds=0.2
    )


@pytest.fixture
async def client(platform: Platform) -> AsyncIterator[Client]:
    app = create_app(platform=platform)
    async with AsyncTestClient(app=app, base_url="http://127.0.0.1:8000") as made:
        made.follow_redirects = False  # each test looks at the redirect it was given
        yield made


@pytest.fixture
def operator(
    client: Client, services: Stack, platform: Platform, cleanup: str
) -> Callable[..., Awaitable[None]]:
    """Signs the client in (session cookie, as a browser) as a new operator of `code`."""

    async def make(code: str, role: str | None = None, suffix: str = "") -> None:
        login = f"editor{suffix}.{code}.{cleanup}"
        secret = await make_staff(
            services, login, code, [(role or OPERATOR_ROLES[code], code, False)]
        )
        async with asyncio.timeout(5):
            while platform.policy.sync.holder.version < services.sync.holder.version:  # noqa: ASYNC110
                await asyncio.sleep(0.02)
        client.cookies.clear()
        await client.get("/healthz", headers=HTML)  # the CSRF cookie, as a first page gives it
        await sign_in(client, login, secret)

    return make


def csrf(client: Client) -> str:
    token = client.cookies.get("yiwang_csrf")
    assert token, "a response hands out the CSRF cookie"
    return str(token)
