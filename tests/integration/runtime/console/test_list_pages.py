"""List maintenance in the console over HTTP against the real services: the maintained
lists, a record's page, create and edit through the staff form, withdrawal, and the
spreadsheet import and export with their progress pages (jobs inline).

Every refusal is checked to change nothing in the records table."""

from __future__ import annotations

import io
import re
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
import xlsxwriter
from litestar.testing import AsyncTestClient
from openpyxl import load_workbook

from tests.integration.runtime.cases.licensing import DEPT
from tests.integration.runtime.console.conftest import CHENGGUAN, HTML, QILIHE, Console, text_of
from tests.integration.stack import Stack
from yiwang.app import build_platform, create_app
from yiwang.platform.i18n import translate
from yiwang.platform.settings import Settings
from yiwang.policy.identity.passwords import HashingParameters, PasswordHashing
from yiwang.runtime.jobs.settings import JobSettings
from yiwang.tenants.tree import TenantTree

LISTS = f"/console/t/{CHENGGUAN}/lists"
POWER = f"{LISTS}/power_item"
#: 城关区's market regulator: its credit code opens every 实施编码 of the test's items
CREDIT = "11620102224201266J"


@pytest.fixture
async def lists_console(
    migrated: Settings,
    installed: TenantTree,
    services: Stack,
    cleanup: str,
    tmp_path: Path,
    admin_sql: psycopg.Connection,
) -> AsyncIterator[Console]:
    """The console fixture's app with jobs run inline: a progress page finds its job ended."""
    settings = replace(migrated, var_dir=tmp_path)
    platform = build_platform(
        settings,
        hashing=PasswordHashing(HashingParameters.for_tests()),
        policy_poll_seconds=0.2,
        job_settings=JobSettings(redis_url=settings.redis_url, mode="inline"),
    )
    app = create_app(platform=platform)
    async with AsyncTestClient(app=app, base_url="http://127.0.0.1:8000") as client:
        made_console = Console(client, platform, services, cleanup, tmp_path)
        yield made_console
    for account_id in made_console.citizens:
        admin_sql.execute("DELETE FROM accounts WHERE id = %s", (account_id,))
    made_records = [
        r[0]
        for r in admin_sql.execute(
            "SELECT id FROM records WHERE type_key = 'power_item' AND data->>'task_name' LIKE %s",
            (f"%{cleanup}%",),
        ).fetchall()
    ]
    for table in ("record_history", "record_idempotency"):
        admin_sql.execute(f"DELETE FROM {table} WHERE record_id = ANY(%s)", (made_records,))
    admin_sql.execute("DELETE FROM records WHERE id = ANY(%s)", (made_records,))


def power_item(tag: str, n: int, **changed: str) -> dict[str, str]:
    """A power item of 城关区's market regulator, as the staff form posts it."""
    catalog = f"000114{(int(tag[:6], 16) * 10 + n) % 10**6:06d}"
    return {
        "task_name": f"测试许可{tag}-{n}",
        "task_type": "01",
        "catalog_code": catalog,
        "task_code": f"{CREDIT}4{catalog}",
        "power_source": "1",
        "by_law": "《中华人民共和国行政许可法》第十二条。",
        "dept_name": "兰州市城关区市场监督管理局",
        "dept_code": CREDIT,
        "subject_nature": "1",
        "handling_unit": "许可科",
        "department": DEPT,
        "use_level": "4",
        "task_state": "1",
        **changed,
    }


def _count(admin_sql: psycopg.Connection, tag: str) -> int:
    row = admin_sql.execute(
        "SELECT count(*) FROM records WHERE type_key = 'power_item' AND deleted_at IS NULL"
        " AND data->>'task_name' LIKE %s",
        (f"%{tag}%",),
    ).fetchone()
    assert row is not None
    return int(row[0])


def _hidden(page: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', page)
    assert found is not None, name
    return found.group(1)


async def _create(console: Console, cookies: dict[str, str], data: dict[str, str]) -> str:
    """Create through the form; the record page's path."""
    form = await console.page(f"{POWER}/new", cookies)
    assert form.status_code == 200, form.text
    made = await console.post(f"{POWER}/new", cookies, {**data, "_key": _hidden(form.text, "_key")})
    assert made.status_code == 303, made.text
    location = str(made.headers["location"])
    assert location.endswith("?done=created")
    return location.removesuffix("?done=created")


async def test_signed_out_browsers_sign_in_citizens_get_403_other_regions_404(
    lists_console: Console,
) -> None:
    console = lists_console
    for path in (LISTS, POWER, f"{POWER}/new", f"{POWER}/import"):
        asked = await console.page(path)
        assert asked.status_code == 303, path
        assert asked.headers["location"] == f"/console/signin?next={path}"
    citizen = await console.citizen()
    outsider = await console.staff("outsider", "dept_operator", QILIHE, DEPT)
    for path in (LISTS, POWER, f"{POWER}/new"):
        refused = await console.client.get(path, headers={**HTML, **citizen})
        assert refused.status_code == 403, refused.text
        assert "<main" in refused.text and translate("web.error.403") in text_of(refused.text)
        hidden = await console.page(path, outsider)
        assert hidden.status_code == 404, hidden.text
        assert "<main" in hidden.text
    posted = await console.post(f"{POWER}/new", outsider, power_item(console.tag, 1))
    assert posted.status_code == 404


async def test_the_lists_page_and_a_list_with_its_filters(lists_console: Console) -> None:
    console = lists_console
    operator = await console.staff("op", "dept_operator")
    home = await console.page(LISTS, operator)
    assert home.status_code == 200, home.text
    # the menu's entry is marked, and every maintained type is listed
    assert f'href="{LISTS}" aria-current="page"' in home.text
    for key in ("power_item", "responsibility_item", "service_item", "special_fund"):
        assert f'href="{LISTS}/{key}"' in home.text
    listed = await console.page(POWER, operator)
    assert listed.status_code == 200, listed.text
    shown = text_of(listed.text)
    # the staff view's filters, from the model
    for label in ("事项类型", "所属部门", "事项状态", "调整类型"):
        assert label in shown
    assert 'name="filter.task_type"' in listed.text and 'name="filter.department"' in listed.text
    bad = await console.page(POWER, operator, params={"filter.task_type": "99"})
    assert bad.status_code == 422, bad.text
    assert 'role="alert"' in bad.text
    unknown = await console.page(f"{LISTS}/application", operator)
    assert unknown.status_code == 404


async def test_create_refuses_without_csrf_shows_errors_at_fields_then_creates(
    lists_console: Console, admin_sql: psycopg.Connection
) -> None:
    console = lists_console
    tag = console.tag
    operator = await console.staff("op", "dept_operator")
    form = await console.page(f"{POWER}/new", operator)
    assert form.status_code == 200, form.text
    # the staff form's fields, by their labels, with the department picker's choices
    for label in ("事项名称", "基本编码", "实施编码", "所属部门", "调整理由"):
        assert label in text_of(form.text)
    assert f'<option value="{DEPT}"' in form.text
    key = _hidden(form.text, "_key")
    data = power_item(tag, 1)

    forged = await console.post(f"{POWER}/new", operator, {**data, "_key": key}, csrf=False)
    assert forged.status_code == 403
    wrong = {**data, "catalog_code": "12ab", "_key": key}
    refused = await console.post(f"{POWER}/new", operator, wrong)
    assert refused.status_code == 422, refused.text
    # the error is at its field, in Chinese, and what was typed is kept
    assert re.search(r'id="f-catalog_code"[^>]*aria-invalid="true"', refused.text)
    assert 'value="12ab"' in refused.text and f'value="{data["task_name"]}"' in refused.text
    assert "基本编码" in text_of(refused.text.split('id="error-summary"')[1])
    assert _count(admin_sql, tag) == 0

    made = await console.post(f"{POWER}/new", operator, {**data, "_key": key})
    assert made.status_code == 303, made.text
    record = made.headers["location"].removesuffix("?done=created")
    # the same form sent again makes no second record
    again = await console.post(f"{POWER}/new", operator, {**data, "_key": key})
    assert again.status_code == 303 and again.headers["location"].startswith(record)
    assert _count(admin_sql, tag) == 1

    page = await console.page(record, operator, params={"done": "created"})
    assert page.status_code == 200, page.text
    shown = text_of(page.text)
    assert translate("console_lists.done.created") in shown
    assert data["task_name"] in shown and "行政许可" in shown  # the code by its label
    assert translate("console_lists.history.create") in shown
    found = await console.page(POWER, operator, params={"q": f"测试许可{tag}"})
    assert f'href="{record}"' in found.text
    # the staff view's columns, each value as a reader expects it
    headers = re.findall(r'<th scope="col">([^<]+)</th>', found.text)
    assert headers == ["编号", "事项名称", "事项类型", "所属部门", "事项状态", "调整类型"]
    assert "行政许可" in text_of(found.text) and "在用" in text_of(found.text)


async def test_edit_at_the_version_shown_stale_refused_then_withdraw(
    lists_console: Console, admin_sql: psycopg.Connection
) -> None:
    console = lists_console
    tag = console.tag
    operator = await console.staff("op", "dept_operator")
    leader = await console.staff("lead", "dept_leader")
    data = power_item(tag, 2)
    record = await _create(console, operator, data)
    edit = await console.page(f"{record}/edit", operator)
    assert edit.status_code == 200, edit.text
    assert f'value="{data["task_name"]}"' in edit.text
    version = _hidden(edit.text, "_version")
    assert version == "1"
    renamed = {**data, "task_name": f"测试许可{tag}-改", "_version": version}
    saved = await console.post(f"{record}/edit", operator, renamed)
    assert saved.status_code == 303, saved.text
    assert saved.headers["location"] == f"{record}?done=saved"
    page = await console.page(record, operator)
    shown = text_of(page.text)
    assert f"测试许可{tag}-改" in shown
    assert translate("console_lists.history.update") in shown and "事项名称" in shown
    # the same version again is stale: refused, said so, nothing changed
    stale = await console.post(f"{record}/edit", operator, {**renamed, "task_name": "不应保存"})
    assert stale.status_code == 409, stale.text
    assert translate("records.stale", current=2, given=1) in text_of(stale.text)
    assert 'value="不应保存"' in stale.text
    assert admin_sql.execute(
        "SELECT data->>'task_name', version FROM records WHERE data->>'task_name' LIKE %s",
        (f"%{tag}-改",),
    ).fetchall() == [(f"测试许可{tag}-改", 2)]

    # a department operator may not withdraw (no delete permission); the leader may, once
    # confirmed
    refused = await console.post(f"{record}/delete", operator, {"_version": "2", "confirm": "on"})
    assert refused.status_code == 403
    unconfirmed = await console.post(f"{record}/delete", leader, {"_version": "2"})
    assert unconfirmed.status_code == 422
    assert translate("console_lists.withdraw.confirm_required") in text_of(unconfirmed.text)
    assert _count(admin_sql, tag) == 1
    done = await console.post(f"{record}/delete", leader, {"_version": "2", "confirm": "on"})
    assert done.status_code == 303 and done.headers["location"] == f"{POWER}?done=withdrawn"
    assert _count(admin_sql, tag) == 0
    gone = await console.page(record, leader)
    assert translate("console_lists.state.withdrawn") in text_of(gone.text)


async def test_another_department_sees_no_record_of_this_one(
    lists_console: Console,
) -> None:
    console = lists_console
    operator = await console.staff("op", "dept_operator")
    record = await _create(console, operator, power_item(console.tag, 3))
    other = await console.staff("other", "dept_operator", CHENGGUAN, "fgw")
    for path in (record, f"{record}/edit"):
        hidden = await console.page(path, other)
        assert hidden.status_code == 404, path


def workbook(rows: list[dict[str, str]]) -> bytes:
    """A sheet of power items as a clerk fills it: a header of labels, codes by label."""
    headers = [
        ("事项名称", "task_name"),
        ("事项类型", "task_type"),
        ("基本编码", "catalog_code"),
        ("实施编码", "task_code"),
        ("权力来源", "power_source"),
        ("设定依据", "by_law"),
        ("实施主体", "dept_name"),
        ("实施主体编码", "dept_code"),
        ("实施主体性质", "subject_nature"),
        ("所属部门", "department"),
        ("行使层级", "use_level"),
        ("事项状态", "task_state"),
    ]
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    sheet = book.add_worksheet("权力清单")
    for c, (label, _) in enumerate(headers):
        sheet.write_string(0, c, label)
    for r, row in enumerate(rows, start=1):
        for c, (_, key) in enumerate(headers):
            sheet.write_string(r, c, row[key])
    book.close()
    return out.getvalue()


async def _upload(console: Console, cookies: dict[str, str], data: bytes, name: str) -> Any:
    return await console.client.post(
        f"{POWER}/import",
        files={"file": (name, data, "application/octet-stream")},
        data={"_csrf": cookies.get("yiwang_csrf", "")},
        headers={**HTML, "cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())},
        follow_redirects=False,
    )


async def test_import_lists_refused_rows_writes_nothing_then_imports(
    lists_console: Console, admin_sql: psycopg.Connection
) -> None:
    console = lists_console
    tag = console.tag
    operator = await console.staff("op", "dept_operator")
    form = await console.page(f"{POWER}/import", operator)
    assert form.status_code == 200, form.text
    assert 'enctype="multipart/form-data"' in form.text and "实施编码" in text_of(form.text)

    no_sheet = await _upload(console, operator, b"not a workbook", "list.xlsx")
    assert no_sheet.status_code == 422, no_sheet.text
    assert 'id="import-error"' in no_sheet.text

    good = power_item(tag, 4)
    # a code no list has (a cell the reader refuses), then a value the model refuses
    unknown_type = power_item(tag, 5, task_type="不存在的类型")
    bad_code = power_item(tag, 6, catalog_code="12ab")
    sheet = workbook([good, unknown_type, bad_code])
    refused = await _upload(console, operator, sheet, "list.xlsx")
    assert refused.status_code == 303, refused.text
    progress = await console.page(refused.headers["location"], operator)
    assert progress.status_code == 200, progress.text
    shown = text_of(progress.text)
    assert translate("console_lists.import.refused", count=2) in shown
    # each problem with its row (the header is row 1) and its column
    rows = re.findall(r"<tr><td>(\d+)</td><td>([^<]*)</td><td>([^<]*)</td></tr>", progress.text)
    assert [(row, column) for row, column, _ in rows] == [("3", "B 事项类型"), ("4", "C 基本编码")]
    assert all(re.search(r"[\u4e00-\u9fff]", message) for _, _, message in rows)
    assert _count(admin_sql, tag) == 0

    done = await _upload(console, operator, workbook([good, power_item(tag, 7)]), "list.xlsx")
    assert done.status_code == 303
    result = await console.page(done.headers["location"], operator)
    assert translate("console_lists.import.done", count=2) in text_of(result.text)
    assert "hx-trigger" not in result.text  # ended: nothing polls
    assert _count(admin_sql, tag) == 2
    # another person's import is no page of this one's
    other = await console.staff("other", "dept_operator")
    assert (await console.page(done.headers["location"], other)).status_code == 404
    forged = await console.client.post(
        f"{POWER}/import",
        files={"file": ("list.xlsx", workbook([power_item(tag, 9)]), "application/octet-stream")},
        headers={**HTML, "cookie": "; ".join(f"{k}={v}" for k, v in operator.items())},
        follow_redirects=False,
    )
    assert forged.status_code == 403
    assert _count(admin_sql, tag) == 2


async def test_export_runs_shows_progress_and_downloads_the_view_shown(
    lists_console: Console,
) -> None:
    console = lists_console
    tag = console.tag
    operator = await console.staff("op", "dept_operator")
    for n in (8, 9):
        await _create(console, operator, power_item(tag, n))
    listed = await console.page(POWER, operator, params={"q": f"测试许可{tag}"})
    # the export form carries the list's search
    assert re.search(rf'name="q" value="测试许可{tag}"', listed.text.split('class="export"')[1])
    forged = await console.post(f"{POWER}/export", operator, {"q": f"测试许可{tag}"}, csrf=False)
    assert forged.status_code == 403
    started = await console.post(f"{POWER}/export", operator, {"q": f"测试许可{tag}"})
    assert started.status_code == 303, started.text
    page = await console.page(started.headers["location"], operator)
    assert page.status_code == 200, page.text
    assert translate("console_lists.export.done", count=2) in text_of(page.text)
    link = re.search(r'id="job-download" href="([^"]+)"', page.text)
    assert link is not None
    signed = await console.page(link.group(1), operator)
    assert signed.status_code == 303, signed.text
    # the signed link is the object store's (S3 in the tests), reached directly
    async with httpx.AsyncClient() as http:
        got = await http.get(signed.headers["location"])
    assert got.status_code == 200
    sheet = load_workbook(io.BytesIO(got.content), read_only=True).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    names = sorted(str(r[3]) for r in rows[1:])
    assert names == [f"测试许可{tag}-8", f"测试许可{tag}-9"], rows
    # the person's own export only
    other = await console.staff("other", "dept_operator")
    assert (await console.page(started.headers["location"], other)).status_code == 404
    assert (await console.page(link.group(1), other)).status_code == 404
