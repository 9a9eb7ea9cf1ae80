"""The subsite pages served from memory: fresh after a record edit on any worker, one page
per reading mode, never a signed-in caller's, 304 for a version the client holds.

Two "workers" share PostgreSQL and Redis: the app under test (its test client's loop)
and a side platform on the test's loop, which edits records the way another worker
would. The app's poll of the counters is switched off where a test must prove the
broadcast alone carries an edit.
"""

from __future__ import annotations

import asyncio
import copy
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import psycopg
import pytest

from tests.integration.metadata.conftest import restore  # noqa: F401  (a fixture)
from tests.integration.runtime.conftest import (
    CHENGGUAN,
    Citizen,
    Runtime,
    running_app,
    side_platform,
    special_fund,
)
from yiwang.app import Platform
from yiwang.platform.settings import Settings
from yiwang.platform.tenant_context import TenantScope
from yiwang.platform.unit_of_work import unit_of_work
from yiwang.policy.identity.sessions import SESSION_COOKIE
from yiwang.runtime.records.repository import RecordRepository, StoredRecord

HTML = {"accept": "text/html"}
#: how long an announcement may take from one worker to the other (the poll is 1 s)
HEARD_WITHIN = 0.8


@asynccontextmanager
async def renamed(
    other: Platform, code: str, record_id: int, name: str
) -> AsyncIterator[Callable[[str], Awaitable[None]]]:
    """Rename a service item on the other worker (`rename(new)`); its name comes back after."""
    node = other.directory.tree.node(code)

    async def rename(new: str) -> None:
        scope = TenantScope.single(node.id)
        async with unit_of_work(other.sessions, actor="test:editor", scope=scope) as uow:
            records = other.runtime.records(uow)
            stored = await RecordRepository(uow.session).get(node.id, record_id)
            assert stored is not None
            values, _ = records.values_of(stored)
            await records.update(
                "service_item",
                record_id,
                {**values, "task_name": new},
                expected_version=stored.version,
            )

    try:
        yield rename
    finally:
        await rename(name)


async def _name_of(other: Platform, code: str, record_id: int) -> str:
    node = other.directory.tree.node(code)
    async with unit_of_work(other.sessions, actor="test", scope=TenantScope.single(node.id)) as uow:
        stored = await RecordRepository(uow.session).get(node.id, record_id)
        assert stored is not None
        return str(stored.data["task_name"])


async def _until(
    check: Callable[[], Awaitable[tuple[bool, Any]]], within: float
) -> tuple[bool, Any]:
    """Ask `check` until it holds or `within` seconds pass; its last answer."""
    deadline = time.monotonic() + within
    while True:
        held, seen = await check()
        if held or time.monotonic() > deadline:
            return held, seen
        await asyncio.sleep(0.02)


async def test_an_edit_on_another_worker_shows_at_once(
    migrated: Settings, samples: dict[str, Any]
) -> None:
    item = samples["individual_business"]
    guide = f"/r/{CHENGGUAN}/services/{item}"
    search = f"/r/{CHENGGUAN}/services"
    queue = f"test-{uuid.uuid4().hex[:8]}"
    async with (
        running_app(migrated) as app,
        side_platform(migrated, queue=queue, jobs="inline") as other,
    ):
        # this worker never reads the counters again: only the broadcast can tell it
        app.platform.runtime.record_sets.poll_seconds = 3600
        name = await _name_of(other, CHENGGUAN, item)
        first = await app.client.get(guide, headers=HTML)
        assert first.status_code == 200 and name in first.text
        etag = first.headers["etag"]
        held = await app.client.get(guide, headers={**HTML, "if-none-match": etag})
        assert held.status_code == 304 and held.content == b""
        assert name in (await app.client.get(search, params={"q": name})).text
        new = f"{name}（{uuid.uuid4().hex[:6]}）"
        async with renamed(other, CHENGGUAN, item, name) as rename:
            await rename(new)

            async def shows() -> tuple[bool, Any]:
                page = await app.client.get(guide, headers=HTML)
                return new in page.text, page

            seen, page = await _until(shows, HEARD_WITHIN)
            assert seen, "the guide still shows the old name"
            assert page.headers["etag"] != etag
            again = await app.client.get(guide, headers={**HTML, "if-none-match": etag})
            assert again.status_code == 200 and new in again.text
            found = await app.client.get(search, params={"q": new})
            assert new in found.text
        # and back: the restore is an edit like any other
        seen, _ = await _until(shows, HEARD_WITHIN)
        assert not seen


async def test_the_public_list_api_follows_an_edit_on_another_worker(
    migrated: Settings, samples: dict[str, Any]
) -> None:
    item = samples["individual_business"]
    api = f"/api/v1/t/{CHENGGUAN}/public/records/service_item"
    queue = f"test-{uuid.uuid4().hex[:8]}"
    async with (
        running_app(migrated) as app,
        side_platform(migrated, queue=queue, jobs="inline") as other,
    ):
        app.platform.runtime.record_sets.poll_seconds = 3600

        async def names() -> dict[int, str]:
            body = (await app.client.get(api, params={"limit": "200"})).json()
            return {i["id"]: i["values"]["task_name"] for i in body["items"]}

        name = (await names())[item]
        new = f"{name}（{uuid.uuid4().hex[:6]}）"
        async with renamed(other, CHENGGUAN, item, name) as rename:
            await rename(new)

            async def shows() -> tuple[bool, Any]:
                seen = await names()
                return seen[item] == new, seen

            held, _ = await _until(shows, HEARD_WITHIN)
            assert held, "the list still shows the old name"
        held, _ = await _until(shows, HEARD_WITHIN)
        assert not held


async def test_each_reading_mode_and_htmx_get_their_own_page(
    migrated: Settings, samples: dict[str, Any]
) -> None:
    guide = f"/r/{CHENGGUAN}/services/{samples['individual_business']}"
    lists = "/r/620000/open/power_item"
    async with running_app(migrated) as app:
        client = app.client
        for path in (guide, lists):
            plain = await client.get(path, headers=HTML)
            large = await client.get(path, headers={**HTML, "cookie": "yw_display=large"})
            again = await client.get(path, headers=HTML)
            assert 'class="text-large"' in large.text
            assert 'class="text-large"' not in plain.text
            assert again.content == plain.content
            assert large.headers["etag"] != plain.headers["etag"] == again.headers["etag"]
        results = await client.get(lists, headers={"hx-request": "true"})
        assert results.text.lstrip().startswith('<section id="results"')
        full = await client.get(lists, headers=HTML)
        assert "<header" in full.text and "<header" not in results.text
        assert results.headers["etag"] != full.headers["etag"]


async def test_a_signed_in_caller_is_never_served_from_memory_nor_fills_it(
    migrated: Settings,
    samples: dict[str, Any],
    citizens: Callable[[], Awaitable[Citizen]],
) -> None:
    citizen = await citizens()
    guide = f"/r/{CHENGGUAN}/services/{samples['offline_service']}"
    async with running_app(migrated) as app:
        memo = app.platform.runtime.portal_pages
        assert memo is not None
        kept = len(memo.memo)
        for headers in (
            citizen.headers,
            {"cookie": f"{SESSION_COOKIE}={citizen.token}"},
        ):
            page = await app.client.get(guide, headers={**HTML, **headers})
            assert page.status_code == 200
            assert "etag" not in page.headers
            assert len(memo.memo) == kept
        anonymous = await app.client.get(guide, headers=HTML)
        assert "etag" in anonymous.headers and len(memo.memo) == kept + 1
        # with the anonymous page kept, a signed-in caller still gets a page rendered for them
        signed = await app.client.get(guide, headers={**HTML, **citizen.headers})
        assert "etag" not in signed.headers and len(memo.memo) == kept + 1


@pytest.fixture
async def province_fund(runtime: Runtime, tag: str) -> StoredRecord:
    """A fund of the province, made before `restore` looks (its effective model stays)."""
    node = runtime.tree.node("620000")
    async with runtime.records(node.code) as records:
        fund = await records.create("special_fund", special_fund(f"p{tag}", 2042))
        stored = await RecordRepository(records.uow.session).get(node.id, fund.id)
    assert stored is not None
    return stored


async def test_a_kept_list_follows_an_edit_made_while_the_type_was_not_published(
    migrated: Settings,
    province_fund: StoredRecord,
    admin_sql: psycopg.Connection,
    restore: None,  # noqa: F811
) -> None:
    """A → B → A on another worker: B takes the funds off the public lists, a fund is
    renamed meanwhile (no set version moves), A is published again. The page kept under
    A's hash, which comes back, must not be served."""
    fund = province_fund
    path = "/r/620000/open/special_fund"
    query = {"filter.competent_department": fund.department}
    renamed = f"{fund.department} 改名后的专项资金"
    queue = f"test-{uuid.uuid4().hex[:8]}"
    async with (
        running_app(migrated) as app,
        side_platform(migrated, queue=queue, jobs="inline") as other,
    ):
        first = await app.client.get(path, params=query, headers=HTML)
        assert first.status_code == 200 and fund.data["fund_name"] in first.text
        again = await app.client.get(path, params=query, headers=HTML)
        assert again.headers["etag"] == first.headers["etag"]

        async def publish(content: dict[str, Any]) -> None:
            scope = TenantScope.single(fund.tenant_id)
            async with unit_of_work(other.sessions, actor="test:op", scope=scope) as uow:
                await other.metadata.service(uow).publish("620000", content=content)

        async def listed(status: int, text: str) -> tuple[bool, Any]:
            page = await app.client.get(path, params=query, headers=HTML)
            return page.status_code == status and text in page.text, page

        try:
            scope = TenantScope.single(fund.tenant_id)
            async with unit_of_work(other.sessions, actor="test:op", scope=scope) as uow:
                base = copy.deepcopy(
                    (await other.metadata.service(uow).export("620000"))["content"]
                )
            hidden = copy.deepcopy(base)
            publication = hidden["documents"]["special_fund"]["publication"]
            publication.update(public=False, section_label=f"专项资金 {fund.department}")
            await publish(hidden)
            held, _ = await _until(lambda: listed(404, ""), HEARD_WITHIN)
            assert held, "the list is still public"
            async with unit_of_work(other.sessions, actor="test:editor", scope=scope) as uow:
                records = other.runtime.records(uow)
                values, _ = records.values_of(fund)
                await records.update(
                    "special_fund",
                    fund.id,
                    {**values, "fund_name": renamed},
                    expected_version=fund.version,
                )
            await publish(base)
            held, page = await _until(lambda: listed(200, renamed), HEARD_WITHIN)
            assert held, "the list still shows the name it had before"
            assert page.headers["etag"] != first.headers["etag"]
        finally:
            # stored with B's effective model, which `restore` deletes
            admin_sql.execute(
                "UPDATE records SET effective_id = %s WHERE tenant_id = %s AND id = %s",
                (fund.effective_id, fund.tenant_id, fund.id),
            )
