"""A list page's statements run under the statement time limit an export's steps have
(`statement_limits`): a staff page (the list API, the console's lists, a subtree page)
and a public one, searched or not. The limit is asked for before the unit's first
statement, so it rides on the transaction's `BEGIN` with the tenant scope: no statement
of its own.

A statement past the limit is forced with a search clause of the test's own (the
list's search hook) that sleeps, and a limit of 100 ms.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.integration.runtime.conftest import CHENGGUAN, Runtime
from yiwang.metadata.documents.shapes import Document
from yiwang.platform.i18n import translate
from yiwang.platform.statement_limits import STATEMENT_TIME_LIMIT_MS
from yiwang.platform.tenant_context import TenantScope
from yiwang.platform.unit_of_work import unit_of_work
from yiwang.runtime.lists.errors import ListTimedOut
from yiwang.runtime.lists.service import ListService
from yiwang.runtime.lists.views import View
from yiwang.runtime.records.service import Viewer

EVERYONE = Viewer(False, None)
PUBLIC = {"view": ["public_index"]}


def sleeping(document: Document, view: View, text: str, prefix: str) -> tuple[str, dict[str, Any]]:
    """A search that takes 300 ms whatever it is asked (once per statement: an initplan)."""
    return "(SELECT pg_sleep(0.3)) IS NOT NULL", {}


@pytest.fixture
def statements(engine: AsyncEngine) -> Iterator[list[str]]:
    """Every statement SQLAlchemy sends while the test runs, with its parameters (the
    `BEGIN` with the scope goes to the driver directly, so it is not among them)."""
    seen: list[str] = []

    def note(*args: Any) -> None:
        seen.append(f"{args[2]} {args[3]!r}")

    event.listen(engine.sync_engine, "before_cursor_execute", note)
    yield seen
    event.remove(engine.sync_engine, "before_cursor_execute", note)


@pytest.mark.parametrize("page", ["staff", "subtree", "public"])
async def test_a_page_runs_under_the_statement_time_limit(
    runtime: Runtime, samples: dict[str, Any], statements: list[str], page: str
) -> None:
    scope = TenantScope.single(runtime.tree.node(CHENGGUAN).id)
    async with unit_of_work(runtime.sessions, actor="test", scope=scope) as uow:
        lists = ListService(uow, runtime.tree, runtime.models, runtime.seal)
        if page == "public":
            read = await lists.public_page(CHENGGUAN, "service_item", PUBLIC)
        else:
            read = await lists.page("service_item", {}, viewer=EVERYONE, subtree=page == "subtree")
        assert read.items
        assert not any("statement_timeout" in s for s in statements), statements
        limit = await uow.session.scalar(text("SHOW statement_timeout"))
    assert limit == f"{STATEMENT_TIME_LIMIT_MS // 1000}s"
    async with runtime.lists(CHENGGUAN) as lists:
        assert await lists.uow.session.scalar(text("SHOW statement_timeout")) == "0"


async def test_a_limit_asked_for_in_a_running_transaction_is_set_at_once(
    runtime: Runtime, samples: dict[str, Any]
) -> None:
    """A page asked for after the unit's first statement (a console page reads before it)
    is bounded too, by a statement of its own."""
    async with runtime.lists(CHENGGUAN) as lists:
        assert await lists.uow.session.scalar(text("SHOW statement_timeout")) == "0"
        await lists.page("service_item", {}, viewer=EVERYONE)
        assert await lists.uow.session.scalar(text("SHOW statement_timeout")) == "5s"


@pytest.mark.parametrize("page", ["staff", "public"])
async def test_a_search_past_the_limit_is_lists_timed_out(
    runtime: Runtime, samples: dict[str, Any], page: str
) -> None:
    scope = TenantScope.single(runtime.tree.node(CHENGGUAN).id)
    with pytest.raises(ListTimedOut) as info:
        async with unit_of_work(runtime.sessions, actor="test", scope=scope) as uow:
            lists = ListService(
                uow, runtime.tree, runtime.models, runtime.seal, sleeping, time_limit_ms=100
            )
            if page == "public":
                await lists.public_page(CHENGGUAN, "service_item", {**PUBLIC, "q": ["办理"]})
            else:
                await lists.page("service_item", {"q": ["办理"]}, viewer=EVERYONE)
    assert (info.value.code, info.value.status) == ("lists.timed_out", 503)
    assert info.value.message() == translate("lists.timed_out", seconds=1)
