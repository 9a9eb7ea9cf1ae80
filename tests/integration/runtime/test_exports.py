"""Exporting a list view over HTTP, against the real services: the job, its status, the
signed download, the file's rows and cells, personal data and who may fetch it."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
import python_calamine
from sqlalchemy import text

from tests.integration.runtime.conftest import Running, Runtime, running_app, special_fund
from tests.integration.runtime.test_records import APPLICANT, BUSINESS
from tests.integration.stack import Stack
from tests.integration.staff import make_staff, sign_in
from yiwang.platform.i18n import translate
from yiwang.platform.settings import Settings
from yiwang.platform.statement_limits import STATEMENT_TIME_LIMIT_MS, limit_statement_time
from yiwang.platform.tenant_context import TenantScope
from yiwang.platform.unit_of_work import unit_of_work
from yiwang.runtime.lists.compile import Compiled
from yiwang.runtime.lists.errors import ListTimedOut
from yiwang.runtime.lists.export import ExportAsked, write_export
from yiwang.runtime.lists.service import ListService, Prepared
from yiwang.runtime.records.service import Viewer

FUNDS = "/api/v1/t/620000/records/special_fund"


@pytest.fixture
async def app(migrated: Settings, samples: dict[str, Any]) -> AsyncIterator[Running]:
    async with running_app(migrated) as running:
        yield running


async def _staff(
    services: Stack,
    app: Running,
    login: str,
    tenant: str,
    grants: list[tuple[str, str, bool]],
    department: str | None = None,
) -> dict[str, str]:
    secret = await make_staff(services, login, tenant, grants, department)
    headers = await sign_in(app.client, login, secret)
    app.client.cookies.clear()
    return headers


async def _export(app: Running, path: str, headers: dict[str, str], **params: str) -> bytes:
    """Ask for an export, follow its job to the end, and fetch the file by its link."""
    asked = await app.client.post(f"{path}/exports", headers=headers, params=params)
    assert asked.status_code == 202, asked.text
    body = asked.json()
    status = await app.client.get(body["status_url"], headers=headers)
    assert status.status_code == 200, status.text
    job = status.json()
    assert job["state"] == "complete", job
    assert job["kind"] == "export_list" and job["progress"] == 1.0
    link = await app.client.get(body["download_url"], headers=headers)
    assert link.status_code == 200, link.text
    url = link.json()["url"]
    if url.startswith("/"):  # the local backend's own download endpoint
        fetched = await app.client.get(url)
    else:  # a presigned GET of the S3 server
        async with httpx.AsyncClient() as browser:
            fetched = await browser.get(url)
    assert fetched.status_code == 200
    assert fetched.headers["content-disposition"].startswith("attachment;")
    assert link.json()["rows"] == job["result"]["rows"]
    assert job["result"]["key"].startswith(f"t/{job['result']['tenant_id']}/exports/")
    return fetched.content


def _sheet(data: bytes) -> list[list[Any]]:
    book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    return book.get_sheet_by_index(0).to_python()


def _free_year(admin_sql: psycopg.Connection) -> int:
    """A year without special funds of 620000 (the rules allow five per department)."""
    used = {
        int(r[0])
        for r in admin_sql.execute(
            "SELECT DISTINCT data->>'fiscal_year' FROM records WHERE type_key = 'special_fund'"
        ).fetchall()
        if r[0] is not None
    }
    return next(y for y in range(2098, 2000, -1) if y not in used)


async def test_a_filtered_view_is_exported_whole_to_xlsx_and_csv(
    app: Running, services: Stack, cleanup: str, admin_sql: psycopg.Connection
) -> None:
    leader = await _staff(
        services, app, f"exp.{cleanup}", "620000", [("dept_leader", "620000", False)], "jyj"
    )
    year = _free_year(admin_sql)
    names = [f"导出测试 {cleanup} {n:02d}" for n in range(4)]
    names.append('=HYPERLINK("http://evil.example","点我")')
    for n, name in enumerate(names):
        made = await app.client.post(
            FUNDS,
            headers={**leader, "idempotency-key": f"exp-{cleanup}-{n}"},
            json={"data": special_fund("jyj", year, fund_name=name, budget_amount=123_456 + n)},
        )
        assert made.status_code == 201, made.text
    query = {"filter.fiscal_year": str(year), "sort": "fund_name"}
    page = await app.client.get(FUNDS, headers=leader, params={**query, "limit": "200"})
    listed = [i["values"]["fund_name"] for i in page.json()["items"]]
    assert sorted(listed) == sorted(names)

    rows = _sheet(await _export(app, FUNDS, leader, **query))
    header, body = rows[0], rows[1:]
    assert header[:3] == ["编号", "状态", "区划"]
    assert "项目名称" in header and "预算金额（元）" in header
    name_at, money_at = header.index("项目名称"), header.index("预算金额（元）")
    # the whole view, in the list's order; the formula stays text, escaped
    assert [r[name_at] for r in body] == ["'" + n if n.startswith("=") else n for n in listed]
    assert sorted(r[money_at] for r in body) == [1234.56 + n / 100 for n in range(5)]
    assert {r[1] for r in body} == {"有效"}
    assert {r[2] for r in body} == {"620000"}

    text = (await _export(app, FUNDS, leader, format="csv", **query)).decode("utf-8")
    assert text.startswith("\ufeff")
    parsed = list(csv.reader(io.StringIO(text[1:])))
    assert parsed[0] == header and len(parsed) == len(names) + 1
    assert [r[name_at] for r in parsed[1:]] == [r[name_at] for r in body]
    assert "'=HYPERLINK" in text and "\n=HYPERLINK" not in text


async def test_personal_data_is_masked_unless_the_caller_may_see_it_and_asks(
    app: Running,
    services: Stack,
    samples: dict[str, Any],
    cleanup: str,
    admin_sql: psycopg.Connection,
) -> None:
    clerk = await _staff(
        services, app, f"eclerk.{cleanup}", "620102", [("window_clerk", "620102", False)], "scjgj"
    )
    operator = await _staff(
        services, app, f"eop.{cleanup}", "620102", [("county_operator", "620102", False)]
    )
    applied = await app.client.post(
        f"/api/v1/t/620102/services/{samples['individual_business']}/applications",
        headers={**clerk, "idempotency-key": f"eapply-{cleanup}"},
        json={"data": APPLICANT, "form": BUSINESS},
    )
    assert applied.status_code == 201, applied.text
    number = applied.json()["number"]
    path = "/api/v1/t/620102/records/application"
    query = {"filter.channel": "window"}

    masked = _sheet(await _export(app, path, operator, **query))
    header = masked[0]
    name_at = header.index("申请人姓名或名称")
    mine = [r for r in masked[1:] if r[0] == number]
    assert len(mine) == 1 and mine[0][name_at] == "张*丰"

    refused = await app.client.post(
        f"{path}/exports", headers=operator, params={**query, "personal": "full"}
    )
    assert (refused.status_code, refused.json()["error"]["code"]) == (403, "records.pii_forbidden")

    full = _sheet(await _export(app, path, clerk, personal="full", **query))
    mine = [r for r in full[1:] if r[0] == number]
    assert len(mine) == 1 and mine[0][full[0].index("申请人姓名或名称")] == "张三丰"
    audited = admin_sql.execute(
        "SELECT actor, detail->>'type', detail->>'format' FROM audit_log"
        " WHERE action = 'record.pii_exported' AND actor IN (%s, %s)",
        (f"eclerk.{cleanup}", f"eop.{cleanup}"),
    ).fetchall()
    assert audited == [(f"eclerk.{cleanup}", "application", "xlsx")]


async def test_an_export_is_only_its_askers_and_a_bad_one_is_refused_at_once(
    app: Running, services: Stack, cleanup: str
) -> None:
    leader = await _staff(
        services, app, f"exa.{cleanup}", "620000", [("dept_leader", "620000", False)], "jyj"
    )
    other = await _staff(
        services, app, f"exb.{cleanup}", "620000", [("dept_leader", "620000", False)], "jyj"
    )
    asked = await app.client.post(
        f"{FUNDS}/exports", headers=leader, params={"filter.fiscal_year": "2099"}
    )
    assert asked.status_code == 202, asked.text
    body = asked.json()
    for url in (body["download_url"], body["status_url"]):
        theirs = await app.client.get(url, headers=other)
        assert theirs.status_code == 404, (url, theirs.text)
    # the same export id under another type is no export either
    moved = body["download_url"].replace("/special_fund/", "/power_item/")
    assert (await app.client.get(moved, headers=leader)).status_code == 404
    empty = await app.client.get(body["download_url"], headers=leader)
    assert empty.status_code == 200 and empty.json()["rows"] == 0
    unknown = await app.client.get(f"{FUNDS}/exports/{'0' * 32}", headers=leader)
    assert (unknown.status_code, unknown.json()["error"]["code"]) == (
        404,
        "lists.export.not_found",
    )

    bad_format = await app.client.post(f"{FUNDS}/exports", headers=leader, params={"format": "xls"})
    assert bad_format.status_code == 422
    assert bad_format.json()["error"]["pointer"] == "/format"
    bad_filter = await app.client.post(
        f"{FUNDS}/exports", headers=leader, params={"filter.management_rules": "x"}
    )
    assert bad_filter.status_code == 422
    errors = bad_filter.json()["error"]["errors"]
    assert [(e["code"], e["pointer"]) for e in errors] == [
        ("lists.filter_not_allowed", "/filter.management_rules")
    ]


async def test_the_export_runs_on_a_saq_worker_with_progress_and_events(
    migrated: Settings, samples: dict[str, Any], services: Stack, cleanup: str
) -> None:
    async with running_app(migrated, jobs="in_process") as app:
        assert app.platform.saq is not None
        supervisor = await _staff(
            services, app, f"exs.{cleanup}", "620102", [("county_operator", "620102", False)]
        )
        path = "/api/v1/t/620102/records/service_item"
        asked = await app.client.post(f"{path}/exports", headers=supervisor)
        assert asked.status_code == 202, asked.text
        body = asked.json()
        for _ in range(300):
            status = (await app.client.get(body["status_url"], headers=supervisor)).json()
            if status["state"] in ("complete", "failed"):
                break
            await asyncio.sleep(0.1)
        events = await app.client.get(body["events_url"], headers=supervisor)
        link = await app.client.get(body["download_url"], headers=supervisor)
        page = await app.client.get(path, headers=supervisor, params={"limit": "200"})
    assert status["state"] == "complete", status
    rows = status["result"]["rows"]
    assert rows == len(page.json()["items"]) > 0  # the samples: fewer than one page
    assert status["detail"] == {"done": rows, "total": rows}
    assert link.status_code == 200 and link.json()["rows"] == rows
    messages = [m for m in events.text.split("\r\n\r\n") if m.strip()]
    assert messages[-1].startswith("id: complete\r\nevent: progress\r\ndata: ")
    assert json.loads(messages[-1].split("data: ", 1)[1])["result"]["rows"] == rows


async def test_a_view_is_read_by_keyset_in_batches_each_row_once_in_order(
    runtime: Runtime, samples: dict[str, Any], tmp_path: Path
) -> None:
    """Batches of 2 over the samples: the same rows, in the same order, as one big page."""
    asked = _asked(runtime)
    seen: list[tuple[int, int | None]] = []

    async def progress(done: int, total: int | None) -> None:
        seen.append((done, total))

    @asynccontextmanager
    async def open_lists() -> AsyncIterator[ListService]:
        async with runtime.lists("620102") as lists:
            yield lists

    written = await write_export(
        open_lists, asked, tmp_path / "x.csv", progress=progress, today=date(2026, 12, 1), batch=2
    )
    async with runtime.lists("620102") as lists:
        page = await lists.page("service_item", {"limit": ["200"]}, viewer=Viewer(False, None))
    lines = list(csv.reader(io.StringIO((tmp_path / "x.csv").read_text("utf-8-sig"))))
    numbers = [line[0] for line in lines[1:]]
    assert numbers == [i["number"] for i in page.items]
    assert len(set(numbers)) == len(numbers) == written.rows > 2
    assert seen[-1] == (written.rows, written.rows)


class _Watched(ListService):
    """The list service, telling what the statement time limit was in each of its
    export's units, after its statement ran."""

    shown: list[tuple[str, str]]

    async def _show(self, what: str) -> None:
        limit = await self.uow.session.scalar(text("SHOW statement_timeout"))
        self.shown.append((what, str(limit)))

    async def rows(
        self, prepared: Prepared, *, viewer: Viewer, after: Sequence[Any] | None
    ) -> tuple[list[dict[str, Any]], list[Any] | None]:
        found = await super().rows(prepared, viewer=viewer, after=after)
        await self._show("rows")
        return found

    async def count(self, prepared: Prepared, *, viewer: Viewer) -> int:
        counted = await super().count(prepared, viewer=viewer)
        await self._show("count")
        return counted


def _asked(runtime: Runtime) -> ExportAsked:
    """The service items of 城关区 to CSV, as a clerk who sees everything but personal data."""
    return ExportAsked(
        tenant_id=runtime.tree.node("620102").id,
        type_key="service_item",
        params={},
        format="csv",
        restricted=False,
        department=None,
        sees_pii=False,
    )


async def test_each_step_of_an_export_runs_under_the_statement_time_limit(
    runtime: Runtime, samples: dict[str, Any], tmp_path: Path
) -> None:
    """The count and every keyset step, each in its own unit, under the 5 s limit the
    supervisors' queries have; the request's own units are not touched by it."""
    shown: list[tuple[str, str]] = []

    @asynccontextmanager
    async def open_lists() -> AsyncIterator[ListService]:
        scope = TenantScope.single(runtime.tree.node("620102").id)
        async with unit_of_work(runtime.sessions, actor="test", scope=scope) as uow:
            watched = _Watched(uow, runtime.tree, runtime.models, runtime.seal)
            watched.shown = shown
            yield watched

    written = await write_export(
        open_lists,
        _asked(runtime),
        tmp_path / "x.csv",
        progress=_ignore,
        today=date.today(),
        batch=2,
    )
    assert written.rows > 2
    assert shown[0] == ("count", f"{STATEMENT_TIME_LIMIT_MS // 1000}s")
    steps = [limit for what, limit in shown if what == "rows"]
    assert len(steps) == written.rows // 2 + 1
    assert set(steps) == {"5s"}
    async with runtime.lists("620102") as lists:
        assert await lists.uow.session.scalar(text("SHOW statement_timeout")) == "0"


async def _ignore(done: int, total: int | None) -> None:
    """No one follows this export's progress."""


async def test_a_statement_past_the_limit_is_lists_timed_out_and_a_slow_count_only_hides_the_total(
    runtime: Runtime, samples: dict[str, Any], tmp_path: Path
) -> None:
    """A count cancelled by the limit (here 1 ms, on a statement that sleeps) is the
    room's own error, with its message; the export then goes on without a total."""

    class SlowCount(ListService):
        async def count(self, prepared: Prepared, *, viewer: Viewer) -> int:
            await limit_statement_time(self.uow.session, 1)
            return await self.repo.count(Compiled("SELECT count(*) FROM pg_sleep(0.2)", {}, 0))

    @asynccontextmanager
    async def open_lists() -> AsyncIterator[ListService]:
        scope = TenantScope.single(runtime.tree.node("620102").id)
        async with unit_of_work(runtime.sessions, actor="test", scope=scope) as uow:
            yield SlowCount(uow, runtime.tree, runtime.models, runtime.seal)

    async with open_lists() as slow:
        prepared = await slow.prepare("service_item", {}, viewer=Viewer(False, None))
        with pytest.raises(ListTimedOut) as info:
            await slow.count(prepared, viewer=Viewer(False, None))
    assert info.value.code == "lists.timed_out" and info.value.status == 503
    assert info.value.message() == translate("lists.timed_out", seconds=5)

    seen: list[tuple[int, int | None]] = []

    async def progress(done: int, total: int | None) -> None:
        seen.append((done, total))

    written = await write_export(
        open_lists, _asked(runtime), tmp_path / "x.csv", progress=progress, today=date.today()
    )
    assert written.rows > 0 and seen[-1] == (written.rows, None)
