"""A citizen's own e-licences as JSON: a presigned download of the PDF and the public
verification address to share; nobody else's."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import psycopg
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.integration.runtime.cases.conftest import CHENGGUAN, purge_cases
from tests.integration.runtime.cases.licensing import FoodLicences
from tests.integration.runtime.cases.test_http import (  # noqa: F401  (fixtures)
    _citizen,
    app,
    citizens,
)
from tests.integration.stack import Stack
from yiwang.tenants.tree import TenantTree


async def test_the_holder_lists_downloads_and_shares_their_licence(
    app: Any,  # noqa: F811
    services: Stack,
    cleanup: str,
    citizens: list[tuple[int, str]],  # noqa: F811
    installed: TenantTree,
    sessions: async_sessionmaker[AsyncSession],
    admin_sql: psycopg.Connection,
    tmp_path: Path,
) -> None:
    litestar_app, platform = app
    tag = cleanup
    licences = FoodLicences(platform, installed, sessions, admin_sql)
    try:
        async with AsyncTestClient(app=litestar_app) as client:
            holder, submitter = await _citizen(services, tmp_path, citizens, tag, 7)
            other, _ = await _citizen(services, tmp_path, citizens, tag, 8)
            number = await licences.completed(submitter, tag)
            client.cookies.clear()
            path = f"/api/v1/t/{CHENGGUAN}/certificates"
            assert (await client.get(path)).status_code == 401
            mine = await client.get(path, headers=holder)
            theirs = await client.get(path, headers=other)
        assert mine.status_code == 200, mine.text
        assert theirs.status_code == 200 and theirs.json() == []
        [licence] = mine.json()
        assert licence["case"] == number and licence["status"] == "valid"
        assert licence["share"] == f"http://127.0.0.1:8000/certificates/{licence['identifier']}"
        assert licence["revoked_at"] is None and licence["revoked_reason"] is None
        async with httpx.AsyncClient() as http:
            pdf = await http.get(licence["download"])
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
        assert pdf.headers["content-type"] == "application/pdf"
        assert pdf.headers["content-disposition"].startswith(
            'attachment; filename="licence-1-2-156'
        )
    finally:
        purge_cases(admin_sql, f"%{tag}%")
