"""A food-business licence case driven to 办结 through the service, for the tests that
need an issued licence (its verification, revocation, the holder's list).

The food licence route names `inspector`, which the role catalogue lacks, so no
signed-in staff member could pass it: the case is driven through the service with
the engine's facts, one fresh person per vote with the task's role and department.
The units use the test's own pool, and the app's authority and storage, so the app
serves what was issued here.
"""

from __future__ import annotations

from typing import Any

import psycopg
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.integration.runtime.cases.conftest import CHENGGUAN
from yiwang.app import Platform
from yiwang.metadata.versions.model_cache import ModelCache
from yiwang.platform.tenant_context import TenantScope
from yiwang.platform.unit_of_work import unit_of_work
from yiwang.runtime.cases.certificates import CaseCertificates
from yiwang.runtime.cases.schemas import Application, CaseView
from yiwang.runtime.cases.service import CasesService, RouteSpecs
from yiwang.runtime.routes.actions import Accept, Actor, Approve, Complete, Decide
from yiwang.tenants.tree import TenantTree

DEPT = "scjgj"
FOOD = {
    "operator_name": "兰州市城关区张记牛肉面馆",
    "credit_code": "92620102MA7123456P",
    "legal_representative": "张建国",
    "residence": "甘肃省兰州市城关区庆阳路 188 号",
    "premises_address": "甘肃省兰州市城关区庆阳路 188 号一层",
    "main_business": ["catering"],
    "business_items": ["hot_food", "cold_food"],
    "network_operation": False,
}
#: a staff viewer of the department: sees every case of the tenant
VIEWER = Actor(id="x", tenant=CHENGGUAN, roles=frozenset(), department=DEPT)


class FoodLicences:
    """Chengguan's food-business licence cases, through the service."""

    def __init__(
        self,
        platform: Platform,
        installed: TenantTree,
        sessions: async_sessionmaker[AsyncSession],
        admin_sql: psycopg.Connection,
    ) -> None:
        self.platform = platform
        self.installed = installed
        self.sessions = sessions
        self.admin_sql = admin_sql
        self.tenant = installed.node(CHENGGUAN)
        self.models, self.specs = ModelCache(None), RouteSpecs()

    def unit(self, login: str) -> Any:
        return unit_of_work(self.sessions, actor=login, scope=TenantScope.single(self.tenant.id))

    def service(self, uow: Any) -> CasesService:
        certificates = CaseCertificates(
            uow, self.installed, self.models, self.platform.storage, self.platform.cases.authority
        )
        return CasesService(uow, self.installed, self.models, self.specs, certificates=certificates)

    async def view(self, number: str) -> CaseView:
        async with self.unit("test") as uow:
            return await self.service(uow).view(CHENGGUAN, number, VIEWER, staff=True)

    async def completed(self, submitter: str, tag: str) -> str:
        """The number of a new case of `submitter`'s, walked along its effective route (with
        the region's overlay steps) to its end: the licence is issued."""
        async with self.unit(submitter) as uow:
            opened = await self.service(uow).open(
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
        row = self.admin_sql.execute(
            "SELECT route_definition FROM cases WHERE number = %s", (opened.number,)
        ).fetchone()
        assert row is not None
        kinds = {step["key"]: step["kind"] for step in row[0]["steps"]}
        for n in range(40):
            current = await self.view(opened.number)
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
            async with self.unit(facts.id) as uow:
                await self.service(uow).act(CHENGGUAN, opened.number, action, facts)
        return opened.number
