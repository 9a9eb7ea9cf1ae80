"""Chinese search through the list API (`q=`), on the records table and the bigram functions
the migration created, against the real services."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import psycopg
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.integration.http_client import client_for
from tests.integration.runtime.conftest import CHENGGUAN, Runtime
from tests.integration.stack import Stack
from tests.integration.staff import make_staff, sign_in
from yiwang.platform.settings import Settings
from yiwang.runtime.records.repository import RecordRepository
from yiwang.runtime.records.samples import sample_number

Client = AsyncTestClient[Litestar]
NAMES = ("个体工商户营业执照办理", "城关区户口迁移登记", "城乡低保申请")


@pytest.fixture
async def client(migrated: Settings, samples: dict[str, Any]) -> AsyncIterator[Client]:
    async with client_for(migrated) as made:
        yield made


@pytest.fixture
async def named_items(
    runtime: Runtime, samples: dict[str, Any], admin_sql: psycopg.Connection, tag: str
) -> AsyncIterator[dict[str, int]]:
    """Three service items of 城关区 with the names searched for, removed afterwards."""
    made: dict[str, int] = {}
    node = runtime.tree.node(CHENGGUAN)
    serial = int(tag, 16) % 10**6
    async with runtime.records(CHENGGUAN) as records:
        first = await RecordRepository(records.uow.session).find_by_number(
            node.id, sample_number(node, "service_item", 0)
        )
        assert first is not None
        base, _ = records.values_of(first)
        for n, name in enumerate(NAMES):
            code = f"{(serial * 10 + n) % 10**6:06d}"
            data = {
                **base,
                "task_name": f"{name}{tag}",
                "catalog_code": f"000199{code}",
                "task_code": f"{base['task_code'][:19]}000199{code}",
            }
            data.pop("task_handle_item", None)
            made[name] = (await records.create("service_item", data)).id
    yield made
    ids = list(made.values())
    admin_sql.execute("DELETE FROM record_history WHERE record_id = ANY(%s)", (ids,))
    admin_sql.execute("DELETE FROM records WHERE id = ANY(%s)", (ids,))


@pytest.fixture
async def supervisor(client: Client, services: Stack, cleanup: str) -> dict[str, str]:
    login = f"sup.{cleanup}"
    secret = await make_staff(
        services, login, "620000", [("province_supervisor", "620000", True)], None
    )
    headers = await sign_in(client, login, secret)
    client.cookies.clear()
    return headers


async def _found(client: Client, headers: dict[str, str], q: str, tag: str) -> list[str]:
    page = await client.get(
        f"/api/v1/t/{CHENGGUAN}/records/service_item",
        headers=headers,
        params={"view": "staff_index", "q": q, "limit": "100"},
    )
    assert page.status_code == 200, page.text
    names = [i["values"]["task_name"] for i in page.json()["items"]]
    return [n.removesuffix(tag) for n in names if n.endswith(tag)]


async def test_a_piece_of_a_name_finds_it_and_two_characters_work(
    client: Client, supervisor: dict[str, str], named_items: dict[str, int], tag: str
) -> None:
    assert await _found(client, supervisor, "营业执照", tag) == ["个体工商户营业执照办理"]
    assert await _found(client, supervisor, "户口", tag) == ["城关区户口迁移登记"]
    assert await _found(client, supervisor, "低保", tag) == ["城乡低保申请"]
    # every term must match; full-width and spaces do not matter
    assert await _found(client, supervisor, "工商户 执照", tag) == ["个体工商户营业执照办理"]
    assert await _found(client, supervisor, "户口　登记", tag) == ["城关区户口迁移登记"]
    assert await _found(client, supervisor, "营业登记", tag) == []


async def test_a_query_the_index_cannot_serve_is_refused_with_the_search_message(
    client: Client, supervisor: dict[str, str]
) -> None:
    page = await client.get(
        f"/api/v1/t/{CHENGGUAN}/records/service_item",
        headers=supervisor,
        params={"view": "staff_index", "q": "营" * 65},
    )
    assert page.status_code == 422
    detail = page.json()["error"]["errors"][0]
    assert (detail["code"], detail["pointer"]) == ("lists.search.too_long", "/q")
    assert "最多 64 个字" in detail["message"]
    terms = await client.get(
        f"/api/v1/t/{CHENGGUAN}/records/service_item",
        headers=supervisor,
        params={"view": "staff_index", "q": " ".join("甲乙丙丁戊己庚辛壬"[i] for i in range(9))},
    )
    assert terms.status_code == 422
    assert terms.json()["error"]["errors"][0]["code"] == "lists.search.too_many_terms"


async def test_the_type_s_search_index_serves_the_list_query(
    runtime: Runtime, named_items: dict[str, int], admin_sql: psycopg.Connection
) -> None:
    """The search index the type's metadata wants (built by the owner, as the index builder
    does) has the expression of the list's search clause: the planner reads it for 户口
    (sequential scans off: the table is small; dropped afterwards)."""
    from yiwang.runtime.lists.indexes import document_indexes
    from yiwang.runtime.lists.record_search import records_search
    from yiwang.runtime.lists.views import view_of
    from yiwang.runtime.records.service import RecordService

    async with runtime.records(CHENGGUAN) as records:
        document = RecordService.item_document(await records.model(), "service_item")
    specs = [s for s in document_indexes(document) if s.is_search]
    assert len(specs) == 1
    admin_sql.execute(specs[0].ddl())
    admin_sql.execute("ANALYZE records")
    clause, params = records_search(document, view_of(document, None), "户口", "q")
    sql = re.sub(r":(q_\w+)", r"%(\1)s", clause)
    admin_sql.execute("SET enable_seqscan = off")
    try:
        rows = admin_sql.execute(
            "EXPLAIN SELECT id FROM records WHERE type_key = 'service_item'"
            f" AND deleted_at IS NULL AND ({sql})",
            params,
        ).fetchall()
    finally:
        admin_sql.execute("RESET enable_seqscan")
        admin_sql.execute(f"DROP INDEX IF EXISTS {specs[0].name}")
    explained = "\n".join(r[0] for r in rows)
    assert f"Bitmap Index Scan on {specs[0].name}" in explained, explained
