"""Chinese search on real PostgreSQL: the functions, a GIN index on a temporary
table, the queries the module builds, and what the planner does with them.

The functions are created by the owner role in a schema of the test's own
(dropped afterwards), the way a migration would create them in `public`.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import psycopg
import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine

from yiwang.platform.settings import Settings
from yiwang.runtime.lists import search
from yiwang.runtime.lists.errors import SearchQueryInvalid

FILLER_PLACES = [
    "兰州市城关区",
    "天水市秦州区",
    "酒泉市肃州区",
    "甘南藏族自治州合作市",
    "张掖市甘州区",
]
FILLER_DEPTS = ["市场监督管理局", "公安局", "民政局", "交通运输局", "卫生健康委员会"]
FILLER_ITEMS = [
    "食品经营许可证",
    "机动车驾驶证",
    "社会团体成立登记",
    "道路货物运输经营许可",
    "排污许可证",
]
FILLER_ACTIONS = ["办理", "变更", "注销", "延续", "补领"]
NAMES = [
    "个体工商户营业执照办理",
    "城关区公安分局户口迁移登记",
    "城乡低保申请",
    "农村低保金发放",
    "ＩＳＯ　９００１ 质量管理体系认证",
    "申请个体工商户",  # 户 as the last character
] + [
    f"{p}{d}{i}{a}"
    for p in FILLER_PLACES
    for d in FILLER_DEPTS
    for i in FILLER_ITEMS
    for a in FILLER_ACTIONS
]

items = sa.Table(
    "search_items",
    sa.MetaData(),
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("data", postgresql.JSONB, nullable=False),
    prefixes=["TEMPORARY"],
)
NAME_DOC = search.document(items.c.name)
PAIR_DOC = search.document(items.c.name, items.c.data["code"].astext)
NAME_INDEX = search.search_index("search_items_name", NAME_DOC, concurrently=False)
PAIR_INDEX = search.search_index("search_items_pair", PAIR_DOC, concurrently=False)


@pytest.fixture
def schema(migrated: Settings) -> Iterator[str]:
    """A schema holding the two functions, created and dropped by the owner role."""
    name = f"search_{uuid.uuid4().hex[:8]}"
    dsn = migrated.migration_database_url.replace("+psycopg", "")
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {name}")
        conn.execute(f"SET search_path = {name}")
        conn.execute(search.FUNCTIONS_DDL)
    yield name
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA {name} CASCADE")


@pytest.fixture
async def conn(migrated: Settings, schema: str) -> AsyncIterator[AsyncConnection]:
    """One connection (temporary tables are per connection) with the table indexed."""
    engine = create_async_engine(
        migrated.migration_database_url, pool_size=1, connect_args={"prepare_threshold": None}
    )
    async with engine.connect() as connection:
        await connection.exec_driver_sql(f"SET search_path = {schema}, public")
        await connection.run_sync(lambda c: items.create(c))
        await connection.execute(
            items.insert(),
            [{"id": i, "name": n, "data": {"code": f"C{i:05d}"}} for i, n in enumerate(NAMES)]
            + [{"id": len(NAMES), "name": "兰州市市场监督管理局营业", "data": {"code": "执照"}}],
        )
        for index in (NAME_INDEX, PAIR_INDEX):
            await connection.exec_driver_sql(search.index_ddl(index))
        # autovacuum never analyses temporary tables
        await connection.exec_driver_sql("ANALYZE search_items")
        yield connection
        await connection.rollback()
    await engine.dispose()


async def _ids(conn: AsyncConnection, doc: Any, text: str) -> set[int]:
    query = search.parse_query(text)
    assert query is not None
    rows = await conn.execute(sa.select(items.c.id).where(search.match(doc, query)))
    return {r[0] for r in rows}


def _expected(text: str) -> set[int]:
    terms = search.query_terms(text)
    return {i for i, n in enumerate(NAMES) if all(t in search.normalise(n) for t in terms)}


async def _plan(conn: AsyncConnection, doc: Any, text: str) -> str:
    query = search.parse_query(text)
    assert query is not None
    stmt = sa.select(items.c.id).where(search.match(doc, query))
    compiled = stmt.compile(dialect=conn.dialect, compile_kwargs={"render_postcompile": True})
    rows = await conn.exec_driver_sql("EXPLAIN " + str(compiled), compiled.params)
    return "\n".join(r[0] for r in rows)


async def test_a_name_is_found_by_a_piece_of_it(conn: AsyncConnection) -> None:
    assert await _ids(conn, NAME_DOC, "营业执照") == {0}
    assert NAMES[0] == "个体工商户营业执照办理"


@pytest.mark.parametrize(
    "text", ["户口", "低保", "低保金", "户", "营业执照办理", "公安局 驾驶证", "食品经营许可证延续"]
)
async def test_short_and_long_queries_find_exactly_the_rows_that_hold_them(
    conn: AsyncConnection, text: str
) -> None:
    expected = _expected(text)
    assert expected
    assert await _ids(conn, NAME_DOC, text) == expected


async def test_two_character_queries_hit(conn: AsyncConnection) -> None:
    assert await _ids(conn, NAME_DOC, "户口") == {1}
    assert await _ids(conn, NAME_DOC, "低保") == {2, 3}
    assert 5 in await _ids(conn, NAME_DOC, "户")  # the last character of 申请个体工商户


async def test_width_case_and_spaces_do_not_matter(conn: AsyncConnection) -> None:
    assert await _ids(conn, NAME_DOC, "iso9001") == {4}
    assert await _ids(conn, NAME_DOC, "ＩＳＯ ９００１质量") == {4}
    assert await _ids(conn, NAME_DOC, "量子计算") == set()


async def test_no_match_across_two_fields(conn: AsyncConnection) -> None:
    last = len(NAMES)
    assert await _ids(conn, PAIR_DOC, "营业执照") == {0}
    assert await _ids(conn, PAIR_DOC, "执照") == {0, last}
    assert await _ids(conn, PAIR_DOC, "c00003") == {3}


@pytest.mark.parametrize("text", ["户口", "低保", "营业执照", "户", "c00003"])
async def test_the_planner_reads_the_index(conn: AsyncConnection, text: str) -> None:
    """On this small table (632 rows) the planner chooses the index without any
    `enable_seqscan = off`; the JSONB key, bound as a parameter, still matches
    the index expression (prepared statements are off, so the plan sees the value)."""
    doc, index = (
        (PAIR_DOC, "search_items_pair") if text.startswith("c") else (NAME_DOC, "search_items_name")
    )
    plan = await _plan(conn, doc, text)
    assert re.search(rf"Bitmap Index Scan on {index}\b", plan), plan
    assert "Seq Scan" not in plan


@pytest.fixture
def sync_sql(migrated: Settings, schema: str) -> Iterator[psycopg.Connection]:
    dsn = migrated.migration_database_url.replace("+psycopg", "")
    with psycopg.connect(dsn, autocommit=True, prepare_threshold=None) as c:
        c.execute(f"SET search_path = {schema}")
        yield c


ANY_TEXT = st.text(
    st.one_of(
        st.characters(min_codepoint=0x20, max_codepoint=0x7E),
        st.characters(min_codepoint=0x4E00, max_codepoint=0x4FFF),
        st.characters(min_codepoint=0xFF01, max_codepoint=0xFF5E),
        st.sampled_from("\t\n\r\u3000\u00a0\u200b\ufeff\u2028\x1f①ﬁ㍿Å"),
        st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
    ),
    max_size=30,
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(doc=ANY_TEXT)
def test_sql_and_python_normalise_alike(sync_sql: psycopg.Connection, doc: str) -> None:
    row = sync_sql.execute(
        "SELECT yiwang_search_text(%s), tsvector_to_array(yiwang_search_bigrams(%s))", (doc, doc)
    ).fetchone()
    assert row is not None
    assert row[0] == search.normalise(doc)
    assert sorted(row[1]) == sorted(set(search.document_lexemes(doc)))


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(doc=ANY_TEXT, query_text=ANY_TEXT)
def test_every_tsquery_parses_and_means_what_python_says(
    sync_sql: psycopg.Connection, doc: str, query_text: str
) -> None:
    try:
        query = search.parse_query(query_text)
    except SearchQueryInvalid:
        terms = search.query_terms(query_text)
        assert len(terms) > search.MAX_TERMS or sum(map(len, terms)) > search.MAX_QUERY_CHARS
        return
    if query is None:
        return
    row = sync_sql.execute(
        "SELECT yiwang_search_bigrams(%s) @@ CAST(%s AS tsquery)", (doc, query.tsquery)
    ).fetchone()
    assert row is not None
    lexemes = set(search.document_lexemes(doc))
    expected = all(
        any(lex.startswith(t) for lex in lexemes)
        if len(t) == 1
        else set(search.term_lexemes(t)) <= lexemes
        for t in query.terms
    )
    assert row[0] is expected
