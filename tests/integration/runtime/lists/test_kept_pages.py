"""Masked list pages of published types, kept by the worker and served again until a
write moves their record set's version (`lists.service`).

Each call runs in a unit of work of its own, as a request does; the versions are read
from PostgreSQL on every call (poll interval 0), as another worker's write reaches
this one when its announcement is missed.
"""

from __future__ import annotations

import asyncio
import copy
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import psycopg
import pytest
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.integration.http_app import Http
from tests.integration.metadata.conftest import (
    metadata_unit,
    restore,  # noqa: F401  (a fixture)
)
from tests.integration.runtime.conftest import CHENGGUAN, Runtime, side_platform, special_fund
from yiwang.metadata.versions.model_cache import ModelCache
from yiwang.platform.settings import Settings
from yiwang.platform.tenant_context import TenantScope
from yiwang.platform.unit_of_work import unit_of_work
from yiwang.runtime.lists.service import ListService, PublicPages
from yiwang.runtime.record_sets.versions import RecordSetVersions
from yiwang.runtime.records.repository import RecordRepository, StoredRecord
from yiwang.runtime.records.service import Viewer

PROVINCE = "620000"
EVERYONE = Viewer(False, None)


@pytest.fixture
def pages() -> PublicPages:
    return PublicPages(RecordSetVersions(None, poll_seconds=0.0))


@asynccontextmanager
async def kept_lists(
    runtime: Runtime, pages: PublicPages, actor: str = "test", models: ModelCache | None = None
) -> AsyncIterator[ListService]:
    scope = TenantScope.single(runtime.tree.node(PROVINCE).id)
    async with unit_of_work(runtime.sessions, actor=actor, scope=scope) as uow:
        yield ListService(uow, runtime.tree, models or runtime.models, runtime.seal, None, pages)


async def test_a_kept_page_is_served_without_a_statement(
    runtime: Runtime, engine: AsyncEngine, tag: str
) -> None:
    """Within the poll intervals (a second in the app), a kept page needs no database: the
    unit of work never begins. The first read takes its statements."""
    department = f"s{tag}"
    params = {"filter.competent_department": [department]}
    async with runtime.records(PROVINCE) as records:
        await records.create("special_fund", special_fund(department, 2040))
    pages = PublicPages(RecordSetVersions(None, poll_seconds=60.0))
    models = ModelCache(None, poll_seconds=60.0)
    statements: list[str] = []

    def seen(*args: Any) -> None:
        statements.append(str(args[2]))

    event.listen(engine.sync_engine, "before_cursor_execute", seen)
    try:
        async with kept_lists(runtime, pages, models=models) as lists:
            first = await lists.page("special_fund", params, viewer=EVERYONE)
        assert any("FROM records" in s for s in statements), statements
        statements.clear()
        async with kept_lists(runtime, pages, models=models) as lists:
            again = await lists.page("special_fund", params, viewer=EVERYONE)
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", seen)
    assert again is first and len(first.items) == 1
    assert statements == []


async def test_a_page_is_served_again_until_a_write_moves_its_set(
    runtime: Runtime, pages: PublicPages, tag: str
) -> None:
    department = f"k{tag}"
    params = {"filter.competent_department": [department]}
    async with runtime.records(PROVINCE) as records:
        first_fund = await records.create("special_fund", special_fund(department, 2037))
    async with kept_lists(runtime, pages) as lists:
        first = await lists.page("special_fund", params, viewer=EVERYONE)
    async with kept_lists(runtime, pages) as lists:
        again = await lists.page("special_fund", params, viewer=EVERYONE)
    assert again is first and [i["id"] for i in first.items] == [first_fund.id]
    async with runtime.records(PROVINCE) as records:
        second_fund = await records.create("special_fund", special_fund(department, 2037, n=2))
    async with kept_lists(runtime, pages) as lists:
        after = await lists.page("special_fund", params, viewer=EVERYONE)
    assert after is not first
    assert sorted(i["id"] for i in after.items) == sorted([first_fund.id, second_fund.id])
    async with runtime.records(PROVINCE) as records:
        await records.delete("special_fund", second_fund.id, expected_version=1)
    async with kept_lists(runtime, pages) as lists:
        deleted = await lists.page("special_fund", params, viewer=EVERYONE)
    assert [i["id"] for i in deleted.items] == [first_fund.id]


async def test_a_page_kept_for_one_caller_is_not_served_to_another(
    runtime: Runtime, pages: PublicPages, tag: str
) -> None:
    """Every response cache is keyed by the caller as well as the tenant (issue 11)."""
    department = f"u{tag}"
    params = {"filter.competent_department": [department]}
    async with runtime.records(PROVINCE) as records:
        await records.create("special_fund", special_fund(department, 2039))
    async with kept_lists(runtime, pages, actor="account:1") as lists:
        first = await lists.page("special_fund", params, viewer=EVERYONE)
    async with kept_lists(runtime, pages, actor="account:1") as lists:
        again = await lists.page("special_fund", params, viewer=EVERYONE)
    async with kept_lists(runtime, pages, actor="account:2") as lists:
        other = await lists.page("special_fund", params, viewer=EVERYONE)
    assert again is first
    assert other is not first and other.items == first.items


async def test_a_department_only_viewer_never_gets_a_page_kept_for_another(
    runtime: Runtime, pages: PublicPages, tag: str
) -> None:
    mine, theirs = f"m{tag}", f"t{tag}"
    params = {"filter.fiscal_year": ["2038"]}
    async with runtime.records(PROVINCE) as records:
        own = await records.create("special_fund", special_fund(mine, 2038))
        other = await records.create("special_fund", special_fund(theirs, 2038))
    async with kept_lists(runtime, pages) as lists:
        everything = await lists.page("special_fund", params, viewer=EVERYONE)
    assert {own.id, other.id} <= {i["id"] for i in everything.items}
    for department, expected in ((mine, own.id), (theirs, other.id)):
        clerk = Viewer(restricted=True, department=department)
        async with kept_lists(runtime, pages) as lists:
            page = await lists.page("special_fund", params, viewer=clerk)
        assert [i["id"] for i in page.items] == [expected]
    async with kept_lists(runtime, pages) as lists:
        nobody = await lists.page("special_fund", params, viewer=Viewer(True, None))
    assert nobody.items == []


async def test_a_page_in_full_is_never_kept_and_each_is_audited(
    runtime: Runtime, pages: PublicPages, tag: str, admin_sql: psycopg.Connection
) -> None:
    department = f"f{tag}"
    async with runtime.records(PROVINCE) as records:
        await records.create("special_fund", special_fund(department, 2039))
    params = {"filter.competent_department": [department], "personal": ["full"]}
    allowed = Viewer(False, None, sees_pii=True)
    seen = []
    for _ in range(2):
        async with kept_lists(runtime, pages, actor=f"full.{tag}") as lists:
            seen.append(await lists.page("special_fund", params, viewer=allowed))
    assert seen[0] is not seen[1] and seen[0].personal == "full"
    audited = admin_sql.execute(
        "SELECT count(*) FROM audit_log WHERE action = 'record.pii_revealed' AND actor = %s",
        (f"full.{tag}",),
    ).fetchone()
    assert audited == (2,)


async def test_a_kept_page_is_refused_once_the_role_is_revoked(http: Http, cleanup: str) -> None:
    """The guard decides every request before a page is looked for: a staff member whose
    role is revoked is refused the page they read a moment ago (kept, on this worker)."""
    login = f"op.{cleanup}"
    auth, _ = await http.staff(login, "620102", [("county_operator", "620102", False)])
    path = "/api/v1/t/620102/records/service_item?view=public_index"
    for _ in range(2):
        answered = await http.get(path, auth)
        assert answered.status_code == 200, answered.text
    kept = http.platform.runtime.public_pages
    assert kept is not None and len(kept.staff) > 0
    await http.services.admin(
        "revoke", login=login, role="county_operator", tenant_code="620102", granter=None
    )
    await http.caught_up()
    refused = await http.get(path, auth)
    assert refused.status_code == 404, refused.text


async def test_a_kept_staff_page_follows_an_edit_on_another_worker(
    http: Http, migrated: Settings, samples: dict[str, Any], cleanup: str
) -> None:
    """An edit on another worker reaches this one's kept page by the broadcast alone (its
    poll of the counters switched off), as for the public pages (`portal/test_page_cache`)."""
    item = samples["individual_business"]
    auth, _ = await http.staff(f"op.{cleanup}", CHENGGUAN, [("county_operator", CHENGGUAN, False)])
    api = f"/api/v1/t/{CHENGGUAN}/records/service_item"
    http.platform.runtime.record_sets.poll_seconds = 3600

    async def name_listed() -> str:
        body = (await http.get(api, auth, params={"limit": "200"})).json()
        return str(next(i["values"]["task_name"] for i in body["items"] if i["id"] == item))

    async def listed_within(expected: str, seconds: float) -> bool:
        deadline = time.monotonic() + seconds
        while await name_listed() != expected:
            if time.monotonic() > deadline:
                return False
            await asyncio.sleep(0.02)
        return True

    async with side_platform(
        migrated, queue=f"test-{uuid.uuid4().hex[:8]}", jobs="inline"
    ) as other:
        node = other.directory.tree.node(CHENGGUAN)

        async def rename(new: str) -> None:
            scope = TenantScope.single(node.id)
            async with unit_of_work(other.sessions, actor="test:editor", scope=scope) as uow:
                records = other.runtime.records(uow)
                stored = await RecordRepository(uow.session).get(node.id, item)
                assert stored is not None
                values, _ = records.values_of(stored)
                await records.update(
                    "service_item",
                    item,
                    {**values, "task_name": new},
                    expected_version=stored.version,
                )

        name = await name_listed()
        assert await name_listed() == name  # kept
        new = f"{name}（{uuid.uuid4().hex[:6]}）"
        try:
            await rename(new)
            assert await listed_within(new, 0.8), "the staff list still shows the old name"
        finally:
            await rename(name)
        assert await listed_within(name, 0.8)


@pytest.fixture
async def province_fund(runtime: Runtime, tag: str) -> StoredRecord:
    """A fund of the province, made before `restore` looks (its effective model stays)."""
    async with runtime.records(PROVINCE) as records:
        fund = await records.create("special_fund", special_fund(f"g{tag}", 2041))
        stored = await RecordRepository(records.uow.session).get(
            runtime.tree.node(PROVINCE).id, fund.id
        )
    assert stored is not None
    return stored


@pytest.mark.parametrize("back", ["publish", "rollback"])
async def test_a_kept_page_follows_an_edit_made_while_the_type_was_not_published(
    runtime: Runtime,
    pages: PublicPages,
    province_fund: StoredRecord,
    back: str,
    admin_sql: psycopg.Connection,
    restore: None,  # noqa: F811
) -> None:
    """A → B → A: the province's base takes the type off the public lists (B), a fund is
    edited meanwhile (no set version moves: the type is not published), and A comes back,
    published again or rolled back to. A's hash comes back with it; the page kept under A
    must not."""
    stored = province_fund
    department = stored.department
    params = {"filter.competent_department": [department]}
    async with kept_lists(runtime, pages) as lists:
        first = await lists.page("special_fund", params, viewer=EVERYONE)
    async with kept_lists(runtime, pages) as lists:
        assert await lists.page("special_fund", params, viewer=EVERYONE) is first
    renamed = f"{department} 改名后的专项资金"
    try:
        async with metadata_unit(runtime.sessions, runtime.tree, runtime.models, PROVINCE) as meta:
            base = copy.deepcopy((await meta.export(PROVINCE))["content"])
            hidden = copy.deepcopy(base)
            publication = hidden["documents"]["special_fund"]["publication"]
            # a B of its own (the effective ids are kept by hash; `restore` drops B's)
            publication.update(public=False, section_label=f"专项资金 {department}")
            await meta.publish(PROVINCE, content=hidden)
        async with runtime.records(PROVINCE) as records:
            values, _ = records.values_of(stored)
            await records.update(
                "special_fund",
                stored.id,
                {**values, "fund_name": renamed},
                expected_version=stored.version,
            )
        async with metadata_unit(runtime.sessions, runtime.tree, runtime.models, PROVINCE) as meta:
            if back == "publish":
                await meta.publish(PROVINCE, content=base)
            else:
                await meta.rollback(PROVINCE)
        async with kept_lists(runtime, pages) as lists:
            after = await lists.page("special_fund", params, viewer=EVERYONE)
    finally:
        # stored with B's effective model, which `restore` deletes
        admin_sql.execute(
            "UPDATE records SET effective_id = %s WHERE tenant_id = %s AND id = %s",
            (stored.effective_id, stored.tenant_id, stored.id),
        )
    assert [i["values"]["fund_name"] for i in after.items] == [renamed]
