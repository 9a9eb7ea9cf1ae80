"""One licence issued to a citizen signed in by SMS, and a second citizen of the region who
holds none: the set-up of the tests of what a holder sees of their licences (the JSON API
in `cases/test_licences`, 我的证照 in `portal/test_licence_page`).

`issued_licence` is a fixture; a test module that takes it imports it with the fixtures
it stands on (`app`, `citizens` of `cases/test_http`), as those modules do.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.integration.runtime.cases.conftest import purge_cases
from tests.integration.runtime.cases.licensing import FoodLicences
from tests.integration.runtime.cases.test_http import _citizen
from tests.integration.stack import Stack
from yiwang.tenants.tree import TenantTree


@dataclass(frozen=True)
class IssuedLicence:
    #: the app's client, its cookies cleared: only the headers below speak
    client: AsyncTestClient[Litestar]
    #: the holder's bearer headers
    holder: dict[str, str]
    #: another citizen's, who holds no licence
    other: dict[str, str]
    #: the number of the completed case that issued the licence
    number: str


@pytest.fixture
async def issued_licence(
    app: Any,
    services: Stack,
    cleanup: str,
    citizens: list[tuple[int, str]],
    installed: TenantTree,
    sessions: async_sessionmaker[AsyncSession],
    admin_sql: psycopg.Connection,
    tmp_path: Path,
) -> AsyncIterator[IssuedLicence]:
    """A food-business licence of the holder's, its case walked to 办结; the cases are
    removed afterwards (the citizens by `citizens`)."""
    litestar_app, platform = app
    licences = FoodLicences(platform, installed, sessions, admin_sql)
    try:
        async with AsyncTestClient(app=litestar_app) as client:
            holder, submitter = await _citizen(services, tmp_path, citizens, cleanup, 7)
            other, _ = await _citizen(services, tmp_path, citizens, cleanup, 8)
            number = await licences.completed(submitter, cleanup)
            client.cookies.clear()
            yield IssuedLicence(client, holder, other, number)
    finally:
        purge_cases(admin_sql, f"%{cleanup}%")
