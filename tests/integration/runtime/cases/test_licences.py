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
from tests.integration.runtime.cases.test_http import (  # noqa: F401  (fixtures)
    DEPT,
    FOOD,
    _citizen,
    app,
    citizens,
)
from tests.integration.stack import Stack
from yiwang.metadata.versions.model_cache import ModelCache
from yiwang.platform.tenant_context import TenantScope
from yiwang.platform.unit_of_work import unit_of_work
from yiwang.runtime.cases.certificates import CaseCertificates
from yiwang.runtime.cases.schemas import Application
from yiwang.runtime.cases.service import CasesService, RouteSpecs
from yiwang.runtime.routes.actions import Accept, Actor, Approve, Complete, Decide
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
    tenant = installed.node(CHENGGUAN)
    models, specs = ModelCache(None), RouteSpecs()

    def service(uow: Any) -> CasesService:
        certificates = CaseCertificates(
            uow, installed, models, platform.storage, platform.cases.authority
        )
        return CasesService(uow, installed, models, specs, certificates=certificates)

    def unit(login: str) -> Any:
        return unit_of_work(sessions, actor=login, scope=TenantScope.single(tenant.id))

    try:
        async with AsyncTestClient(app=litestar_app) as client:
            holder, submitter = await _citizen(services, tmp_path, citizens, tag, 7)
            other, _ = await _citizen(services, tmp_path, citizens, tag, 8)
            async with unit("holder") as uow:
                opened = await service(uow).open(
                    CHENGGUAN,
                    Application(
                        service_item="SI-FOOD",
                        form="food_business_license",
                        route="licensing",
                        implementing_department=DEPT,
                        issuer_name="兰州市城关区市场监督管理局",
                        issuer_code="11620102MB1234567B",
                        data=FOOD,
                    ),
                    Actor(id=submitter, tenant=CHENGGUAN, roles=frozenset({"citizen"})),
                )
            row = admin_sql.execute(
                "SELECT route_definition FROM cases WHERE number = %s", (opened.number,)
            ).fetchone()
            assert row is not None
            kinds = {step["key"]: step["kind"] for step in row[0]["steps"]}
            viewer = Actor(id="x", tenant=CHENGGUAN, roles=frozenset(), department=DEPT)
            for n in range(40):
                async with unit("test") as uow:
                    current = await service(uow).view(CHENGGUAN, opened.number, viewer, staff=True)
                if current.status == "completed":
                    break
                task = current.tasks[0]
                kind = kinds[task.step]
                action: Any = (
                    Accept()
                    if kind == "accept"
                    else Decide(outcome="approved", legal_basis="《食品安全法》")
                    if kind == "decide"
                    else Complete(task=task.task)
                    if current.status == "decided"
                    else Approve(task=task.task)
                )
                facts = Actor(
                    id=f"s{n}-{tag}",
                    tenant=CHENGGUAN,
                    roles=frozenset({task.role}),
                    department=task.department,
                )
                async with unit(facts.id) as uow:
                    await service(uow).act(CHENGGUAN, opened.number, action, facts)
            client.cookies.clear()
            path = f"/api/v1/t/{CHENGGUAN}/certificates"
            assert (await client.get(path)).status_code == 401
            mine = await client.get(path, headers=holder)
            theirs = await client.get(path, headers=other)
        assert mine.status_code == 200, mine.text
        assert theirs.status_code == 200 and theirs.json() == []
        [licence] = mine.json()
        assert licence["case"] == opened.number and licence["status"] == "valid"
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
