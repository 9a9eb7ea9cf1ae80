"""The cross-tenant case export as a job (issue 14), against the real services: the
file's rows are the query's rows (CSV and XLSX), the progress rises to the total, a
prefecture's export holds its subtree only, overlay columns are empty where a tenant
has no such field, a bad query is refused before any job, only the person who asked
downloads the file; the dashboard's 导出 form, its progress page and download."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from openpyxl import load_workbook
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.integration.runtime.conftest import Running, running_app
from tests.integration.runtime.console.conftest import Console, text_of
from tests.integration.runtime.supervision.conftest import AddCase, signed_in_staff
from tests.integration.security.people import phone_for, sign_in_citizen
from tests.integration.stack import Stack
from tests.integration.staff import PASSWORD, make_staff, totp_code
from yiwang.platform.i18n import translate
from yiwang.platform.settings import Settings
from yiwang.platform.statement_limits import limit_statement_time
from yiwang.platform.tenant_context import TenantScope
from yiwang.platform.unit_of_work import unit_of_work
from yiwang.runtime.supervision.cross_tenant import TIME_LIMIT_MS
from yiwang.runtime.supervision.cross_tenant.bounds import read_rows
from yiwang.runtime.supervision.errors import SupervisionTimedOut
from yiwang.runtime.supervision.exports import SupervisionExportAsked, write_export
from yiwang.runtime.supervision.query import CaseQuery
from yiwang.runtime.supervision.service import SupervisionService
from yiwang.tenants.tree import TenantTree

#: a day no other test writes cases on
AT = datetime(2032, 4, 7, 2, 0, tzinfo=UTC)
WINDOW = {
    "filter.submitted_at.gte": AT.isoformat(),
    "filter.submitted_at.lt": (AT + timedelta(days=1)).isoformat(),
}
PROVINCE = "/api/v1/t/620000/subtree/supervision"
LANZHOU = "/api/v1/t/620100/subtree/supervision"
HTML = {"accept": "text/html"}
#: the base columns' headers, then the overlay field asked
HEADER = [
    "地区代码",
    "地区",
    "办件编号",
    "事项",
    "实施部门",
    "状态",
    "预警",
    "申请时间",
    "更新时间",
    "承诺期限",
    "权力类型",
    "网上可办",
    "全程网办",
    "跑动次数",
]


@pytest.fixture
async def app(migrated: Settings, installed: TenantTree, tmp_path: Path) -> AsyncIterator[Running]:
    """The app with jobs inline: an export has run when its POST answers."""
    async with running_app(migrated, var_dir=tmp_path) as running:
        yield running


def _cases(add_case: AddCase) -> None:
    """Two cases of Lanzhou's counties (one with the overlay field `x_school`), one of
    Tianshui's 秦州区, another prefecture."""
    add_case("620102", 1, submitted_at=AT, colour="red", form_data={"x_school": "一中"})
    add_case("620103", 2, submitted_at=AT + timedelta(hours=1), status="completed")
    add_case("620502", 3, submitted_at=AT + timedelta(hours=2), department="sthjj")


async def _fetch(url: str, app: Running) -> httpx.Response:
    if url.startswith("/"):  # the local backend's own download endpoint
        return await app.client.get(url)
    async with httpx.AsyncClient() as browser:  # a presigned GET of the S3 server
        return await browser.get(url)


async def _export(
    app: Running, base: str, headers: dict[str, str], **params: str
) -> tuple[dict[str, Any], bytes]:
    """Ask for an export, check its job ended with every row counted, fetch the file."""
    asked = await app.client.post(f"{base}/exports", params=params, headers=headers)
    assert asked.status_code == 202, asked.text
    body = asked.json()
    status = await app.client.get(body["status_url"], headers=headers)
    assert status.status_code == 200, status.text
    job = status.json()
    assert job["state"] == "complete", job
    assert job["kind"] == "supervision.export" and job["progress"] == 1.0
    rows = job["result"]["rows"]
    assert job["detail"] == {"done": rows, "total": rows}
    link = await app.client.get(body["download_url"], headers=headers)
    assert link.status_code == 200, link.text
    assert link.json()["rows"] == rows
    fetched = await _fetch(link.json()["url"], app)
    assert fetched.status_code == 200
    assert fetched.headers["content-disposition"].startswith("attachment;")
    assert job["result"]["key"].startswith(f"t/{job['result']['tenant_id']}/exports/supervision-")
    return body, fetched.content


def _csv(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def _xlsx(data: bytes) -> list[list[Any]]:
    sheet = load_workbook(io.BytesIO(data), read_only=True).active
    assert sheet is not None
    return [list(r) for r in sheet.iter_rows(values_only=True)]


def _expected(items: list[dict[str, Any]], empty: Any) -> list[list[Any]]:
    """The case page's rows as the export's first columns and its overlay column."""
    return sorted(
        [
            i["tenant"]["code"],
            i["tenant"]["name"],
            i["number"],
            i["service_item"],
            i["department"],
            i["status"],
            i["colour"],
            i["overlay"]["x_school"] if i["overlay"]["x_school"] is not None else empty,
        ]
        for i in items
    )


def _picked(rows: list[list[Any]]) -> list[list[Any]]:
    return sorted([*r[:7], r[14]] for r in rows)


async def _people(app: Running, services: Stack, tag: str) -> dict[str, dict[str, str]]:
    grants = {
        "province": [("province_supervisor", "620000", True)],
        "other": [("province_supervisor", "620000", True)],
        "lanzhou": [("supervisor", "620100", True)],
    }
    people = {}
    for name, granted in grants.items():
        home = granted[0][1]
        people[name] = await signed_in_staff(
            app.client, services, app.platform, f"{name}.{tag}", granted, home
        )
    app.client.cookies.clear()
    return people


async def test_the_files_rows_are_the_querys_rows_and_a_prefecture_gets_its_subtree(
    app: Running, services: Stack, cleanup: str, add_case: AddCase
) -> None:
    _cases(add_case)
    people = await _people(app, services, cleanup)
    query = {**WINDOW, "fields": "x_school"}
    for who, base, codes in (
        ("province", PROVINCE, ["620102", "620103", "620502"]),
        ("lanzhou", LANZHOU, ["620102", "620103"]),
    ):
        headers = people[who]
        page = await app.client.get(
            f"{base}/cases", params={**query, "limit": "500"}, headers=headers
        )
        assert page.status_code == 200, page.text
        items = page.json()["items"]
        assert sorted(i["tenant"]["code"] for i in items) == codes, who

        _, data = await _export(app, base, headers, **query, format="csv")
        rows = _csv(data)
        assert rows[0] == [*HEADER, "x_school"]
        assert _picked(rows[1:]) == _expected(items, ""), who

        _, data = await _export(app, base, headers, **query, format="xlsx")
        sheet = _xlsx(data)
        assert list(sheet[0]) == [*HEADER, "x_school"]
        assert _picked(sheet[1:]) == _expected(items, None), who
    # the overlay field: its value where the county's case has it, empty elsewhere
    by_number = {r[2]: r[14] for r in rows[1:]}
    assert by_number == {
        f"620102-{cleanup[:8]}-000001": "一中",
        f"620103-{cleanup[:8]}-000002": "",
    }


async def test_a_bad_query_is_refused_before_any_job(
    app: Running, services: Stack, cleanup: str
) -> None:
    people = await _people(app, services, cleanup)
    bad = await app.client.post(
        f"{PROVINCE}/exports",
        params={"filter.colour": "purple", "period": "2032-13", "format": "xls"},
        headers=people["province"],
    )
    assert bad.status_code == 422, bad.text
    assert "job" not in bad.json()
    assert [(e["code"], e["pointer"]) for e in bad.json()["error"]["errors"]] == [
        ("supervision.value_invalid", "/filter.colour"),
        ("supervision.period_invalid", "/period"),
        ("supervision.format_invalid", "/format"),
    ]
    too_many = await app.client.post(
        f"{PROVINCE}/exports", params={"limit": "1000001"}, headers=people["province"]
    )
    assert too_many.status_code == 422
    assert [(e["code"], e["pointer"]) for e in too_many.json()["error"]["errors"]] == [
        ("supervision.limit_invalid", "/limit")
    ]


async def test_only_the_person_who_asked_downloads_the_file(
    app: Running, services: Stack, cleanup: str, add_case: AddCase, tmp_path: Path
) -> None:
    _cases(add_case)
    people = await _people(app, services, cleanup)
    body, _ = await _export(app, PROVINCE, people["province"], **WINDOW)
    export_id = body["export"]
    answers = {}
    for who in ("other", "lanzhou"):
        for url in (body["download_url"], body["status_url"]):
            answers[(who, url)] = (await app.client.get(url, headers=people[who])).status_code
    # Lanzhou's supervisor at their own tenant: not their export either
    answers[("lanzhou", "own tenant")] = (
        await app.client.get(f"{LANZHOU}/exports/{export_id}", headers=people["lanzhou"])
    ).status_code
    # the owner under another tenant than the one asked at: no such export there
    answers[("province", "620100")] = (
        await app.client.get(f"{LANZHOU}/exports/{export_id}", headers=people["province"])
    ).status_code
    assert answers == {k: 404 for k in answers}
    citizen = await sign_in_citizen(app.client, tmp_path, phone_for(cleanup, 3))
    app.client.cookies.clear()
    refused = await app.client.get(body["download_url"], headers=citizen)
    assert refused.status_code == 403
    assert (await app.client.get(body["download_url"])).status_code == 401
    unknown = await app.client.get(f"{PROVINCE}/exports/{'0' * 32}", headers=people["province"])
    assert (unknown.status_code, unknown.json()["error"]["code"]) == (
        404,
        "supervision.export_not_found",
    )
    # the owner still downloads it: the refusals are about the others
    mine = await app.client.get(body["download_url"], headers=people["province"])
    assert mine.status_code == 200 and mine.json()["rows"] == 3


async def test_progress_rises_row_by_row_to_the_total_and_a_limit_bounds_it(
    installed: TenantTree,
    sessions: async_sessionmaker[AsyncSession],
    add_case: AddCase,
    cleanup: str,
    tmp_path: Path,
) -> None:
    """Steps of 2 rows by primary key in the province's subtree scope: every row once,
    the progress 0, 1, 2, 3 of 3; with `limit=2`, 2 of 2."""
    _cases(add_case)
    province = installed.node("620000")
    scope = TenantScope.subtree(province.id, [n.id for n in installed.descendants("620000")])

    @asynccontextmanager
    async def open_service() -> AsyncIterator[SupervisionService]:
        async with unit_of_work(sessions, actor="test", scope=scope) as uow:
            yield SupervisionService(uow, installed)

    for limit, expected in ((None, 3), ("2", 2)):
        params = {k: [v] for k, v in WINDOW.items()}
        if limit is not None:
            params["limit"] = [limit]
        asked = SupervisionExportAsked.of(scope, params, "csv")
        seen: list[tuple[int, int | None]] = []

        async def progress(
            done: int, total: int | None, seen: list[tuple[int, int | None]] = seen
        ) -> None:
            seen.append((done, total))

        path = tmp_path / f"export-{expected}.csv"
        written = await write_export(
            open_service, asked, path, progress=progress, today=date(2032, 4, 7), batch=2, every=1
        )
        numbers = [r[2] for r in _csv(path.read_bytes())[1:]]
        assert written.rows == len(numbers) == len(set(numbers)) == expected
        # rising, never back, every row once, ending at the total (the writer reports its
        # last row again when it ends)
        assert seen == sorted(seen) and seen[-1] == (expected, expected)
        assert sorted(set(seen)) == [(n, expected) for n in range(expected + 1)]
        assert written.name == "supervision-cases-620000-20320407.csv"


async def test_the_export_runs_on_a_saq_worker_with_events(
    migrated: Settings, installed: TenantTree, services: Stack, cleanup: str, add_case: AddCase
) -> None:
    _cases(add_case)
    async with running_app(migrated, jobs="in_process") as app:
        assert app.platform.saq is not None
        lanzhou = await signed_in_staff(
            app.client,
            services,
            app.platform,
            f"lzw.{cleanup}",
            [("supervisor", "620100", True)],
            "620100",
        )
        app.client.cookies.clear()
        asked = await app.client.post(f"{LANZHOU}/exports", params=WINDOW, headers=lanzhou)
        assert asked.status_code == 202, asked.text
        body = asked.json()
        for _ in range(300):
            status = (await app.client.get(body["status_url"], headers=lanzhou)).json()
            if status["state"] in ("complete", "failed"):
                break
            await asyncio.sleep(0.1)
        events = await app.client.get(body["events_url"], headers=lanzhou)
        link = await app.client.get(body["download_url"], headers=lanzhou)
        assert status["state"] == "complete", status
        assert status["detail"] == {"done": 2, "total": 2}
        assert link.status_code == 200 and link.json()["rows"] == 2
        messages = [m for m in events.text.split("\r\n\r\n") if m.strip()]
        assert messages[-1].startswith("id: complete\r\nevent: progress\r\ndata: ")
        assert json.loads(messages[-1].split("data: ", 1)[1])["result"]["rows"] == 2
        data = (await _fetch(link.json()["url"], app)).content
    assert sorted(r[0] for r in _csv(data)[1:]) == ["620102", "620103"]


async def test_the_dashboards_export_form_shows_progress_and_downloads(
    app: Running, services: Stack, cleanup: str, add_case: AddCase, tmp_path: Path
) -> None:
    _cases(add_case)
    console = Console(app.client, app.platform, services, cleanup, tmp_path)

    async def browser(name: str) -> dict[str, str]:
        login = f"{name}.{cleanup}"
        secret = await make_staff(services, login, "620100", [("supervisor", "620100", True)])
        async with asyncio.timeout(5):
            while app.platform.policy.sync.holder.version < services.sync.holder.version:  # noqa: ASYNC110
                await asyncio.sleep(0.01)
        app.client.cookies.clear()
        done = await console.sign_in(login, PASSWORD, totp_code(secret))
        assert done.status_code == 303, done.text
        cookies = dict(app.client.cookies.items())
        app.client.cookies.clear()
        return cookies

    lanzhou, other = await browser("lzd"), await browser("lzo")
    base = "/console/t/620100/subtree/supervision"
    period = "2032-04"
    shown = await console.page(base, lanzhou, params={"period": period, "region": "620100"})
    assert shown.status_code == 200, shown.text
    form = shown.text.split('class="export"')[1].split("</form>")[0]
    assert f'name="period" value="{period}"' in form and 'name="region" value="620100"' in form
    posted = {"region": "620100", "period": period, "format": "xlsx"}
    forged = await console.post(f"{base}/exports", lanzhou, posted, csrf=False)
    assert forged.status_code == 403
    started = await console.post(f"{base}/exports", lanzhou, posted)
    assert started.status_code == 303, started.text
    progress_url = started.headers["location"]
    assert re.fullmatch(rf"{base}/exports/[0-9a-f]{{32}}", progress_url)
    page = await console.page(progress_url, lanzhou)
    assert page.status_code == 200, page.text
    # Lanzhou's cases of the month: the two of its counties (inline, the job has run)
    assert translate("dashboard.export.done", count=2) in text_of(page.text)
    link = re.search(r'id="export-download" href="([^"]+)"', page.text)
    assert link is not None
    signed = await console.page(link.group(1), lanzhou)
    assert signed.status_code == 303, signed.text
    got = await _fetch(signed.headers["location"], app)
    assert got.status_code == 200
    sheet = _xlsx(got.content)
    assert sorted(r[0] for r in sheet[1:]) == ["620102", "620103"]
    # the progress part htmx swaps in: the same section, alone
    part = await app.client.get(
        progress_url,
        headers={**HTML, "hx-request": "true", "cookie": _cookies(lanzhou)},
    )
    assert part.status_code == 200 and part.text.startswith('<section id="export-job"')
    # another supervisor of the same region: the 404 page, for the progress and the file
    assert (await console.page(progress_url, other)).status_code == 404
    assert (await console.page(link.group(1), other)).status_code == 404
    # a region outside the scope is the 404 page; a bad period sends the browser back
    outside = await console.post(f"{base}/exports", lanzhou, {**posted, "region": "620502"})
    assert outside.status_code == 404
    back = await console.post(f"{base}/exports", lanzhou, {**posted, "period": "2032-13"})
    assert back.status_code == 303
    assert back.headers["location"] == f"{base}?region=620100&period=2032-13"


def _cookies(cookies: dict[str, str]) -> str:
    return "; ".join(f"{k}={v}" for k, v in cookies.items())


async def test_each_step_and_the_count_run_under_the_queries_time_limit(
    installed: TenantTree,
    sessions: async_sessionmaker[AsyncSession],
    add_case: AddCase,
    cleanup: str,
    tmp_path: Path,
) -> None:
    """`SHOW statement_timeout` after each step's statements and after the count: the 5 s
    of the cross-tenant queries (`TIME_LIMIT_MS`), in every unit of the export."""
    _cases(add_case)
    province = installed.node("620000")
    scope = TenantScope.subtree(province.id, [n.id for n in installed.descendants("620000")])
    shown: list[tuple[str, str]] = []

    class Watched(SupervisionService):
        async def _show(self, what: str) -> None:
            limit = await self.uow.session.scalar(text("SHOW statement_timeout"))
            shown.append((what, str(limit)))

        async def cross_tenant_export_batch(
            self, query: CaseQuery, *, after: tuple[int, int] | None, size: int
        ) -> tuple[list[dict[str, Any]], tuple[int, int] | None]:
            found = await super().cross_tenant_export_batch(query, after=after, size=size)
            await self._show("step")
            return found

        async def cross_tenant_export_total(self, query: CaseQuery) -> int:
            total = await super().cross_tenant_export_total(query)
            await self._show("count")
            return total

    @asynccontextmanager
    async def open_service() -> AsyncIterator[SupervisionService]:
        async with unit_of_work(sessions, actor="test", scope=scope) as uow:
            yield Watched(uow, installed)

    async def progress(done: int, total: int | None) -> None:
        """Nobody follows it."""

    asked = SupervisionExportAsked.of(scope, {k: [v] for k, v in WINDOW.items()}, "csv")
    written = await write_export(
        open_service, asked, tmp_path / "x.csv", progress=progress, today=AT.date(), batch=2
    )
    assert written.rows == 3
    limit = f"{TIME_LIMIT_MS // 1000}s"
    assert TIME_LIMIT_MS == 5000
    assert shown == [("count", limit), ("step", limit), ("step", limit)]


async def test_a_statement_past_the_limit_is_supervision_timed_out(
    installed: TenantTree, sessions: async_sessionmaker[AsyncSession]
) -> None:
    """A step's statement cancelled by the limit (here 1 ms, on one that sleeps) is the
    room's own error and message, as a supervisor's query answers it: 503, narrow it."""
    scope = TenantScope.single(installed.node("620000").id)
    async with unit_of_work(sessions, actor="test", scope=scope) as uow:
        await limit_statement_time(uow.session, 1)
        with pytest.raises(SupervisionTimedOut) as info:
            await read_rows(uow.session, text("SELECT pg_sleep(0.2)"))
    assert (info.value.code, info.value.status) == ("supervision.timed_out", 503)
    assert info.value.message() == translate("supervision.timed_out", seconds=5)
