"""Importing a spreadsheet of records over HTTP, against the real services: every row
created as the API creates one (history and audit name the person), or none of them and
every problem with its row, column and field."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from typing import Any

import psycopg
import pytest
import xlsxwriter

from tests.integration.runtime.conftest import Running, running_app, special_fund
from tests.integration.runtime.test_exports import _export, _free_year, _sheet, _staff
from tests.integration.stack import Stack
from yiwang.platform.settings import Settings
from yiwang.runtime.records.imports import XLSX_TYPE

FUNDS = "/api/v1/t/620000/records/special_fund"
#: the columns of a clerk's sheet of special funds: the label, then the field key
HEADERS = [
    ("项目名称", "fund_name"),
    ("资金类别", "fund_kind"),
    ("主管部门", "competent_department"),
    ("主管部门名称", "competent_department_name"),
    ("年度", "fiscal_year"),
    ("预算金额（元）", "budget_amount"),
    ("实施起始年度", "start_year"),
    ("实施截止年度", "end_year"),
    ("管理办法", "management_rules"),
    ("绩效目标", "performance_target"),
]
KIND_LABELS = {"1": "部门预算专项", "2": "转移支付专项"}


def workbook(rows: list[dict[str, Any]], *, formula_at: tuple[int, int] | None = None) -> bytes:
    """An XLSX as a clerk fills it: a title row, the header, then one row per fund (money
    in 元, the kind by its label)."""
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    sheet = book.add_worksheet("专项资金")
    sheet.write_string(0, 0, "财政专项资金登记表")
    for c, (label, _) in enumerate(HEADERS):
        sheet.write_string(1, c, label)
    for r, row in enumerate(rows, start=2):
        for c, (_, key) in enumerate(HEADERS):
            value = row.get(key)
            if value is None:
                continue
            if key == "budget_amount" and isinstance(value, int):
                sheet.write_number(r, c, value / 100)
            elif key == "fund_kind":
                sheet.write_string(r, c, KIND_LABELS.get(value, value))
            elif isinstance(value, int):
                sheet.write_number(r, c, value)
            else:
                sheet.write_string(r, c, str(value))
    if formula_at is not None:
        sheet.write_formula(formula_at[0], formula_at[1], "=1+1", None, 2)
    book.close()
    return out.getvalue()


@pytest.fixture
async def app(migrated: Settings, samples: dict[str, Any]) -> AsyncIterator[Running]:
    async with running_app(migrated) as running:
        yield running


async def _import(app: Running, headers: dict[str, str], data: bytes) -> dict[str, Any]:
    asked = await app.client.post(
        f"{FUNDS}/imports", headers={**headers, "content-type": XLSX_TYPE}, content=data
    )
    assert asked.status_code == 202, asked.text
    status = await app.client.get(asked.json()["status_url"], headers=headers)
    assert status.status_code == 200
    job: dict[str, Any] = status.json()
    assert job["kind"] == "import_sheet" and job["state"] == "complete", job
    result: dict[str, Any] = job["result"]
    return result


def _funds_of(admin_sql: psycopg.Connection, year: int) -> list[tuple[Any, ...]]:
    return admin_sql.execute(
        "SELECT id, data->>'fund_name', (data->>'budget_amount')::bigint, data->>'fund_kind'"
        " FROM records WHERE type_key = 'special_fund' AND data->>'fiscal_year' = %s"
        " ORDER BY id",
        (str(year),),
    ).fetchall()


async def test_every_row_is_created_as_the_api_creates_one(
    app: Running, services: Stack, cleanup: str, admin_sql: psycopg.Connection
) -> None:
    leader = await _staff(
        services, app, f"imp.{cleanup}", "620000", [("dept_leader", "620000", False)], "jyj"
    )
    year = _free_year(admin_sql)
    rows = [
        special_fund("jyj", year, n=n, fund_kind=str(1 + n % 2), budget_amount=1_000_050 + n)
        for n in range(3)
    ]
    result = await _import(app, leader, workbook(rows))
    assert result["status"] == "imported" and result["imported"] == 3, result
    stored = _funds_of(admin_sql, year)
    assert [(name, money, kind) for _, name, money, kind in stored] == [
        (r["fund_name"], r["budget_amount"], r["fund_kind"]) for r in rows
    ]
    ids = [r[0] for r in stored]
    assert sorted(result["ids"]) == ids
    history = admin_sql.execute(
        "SELECT DISTINCT actor, action FROM record_history WHERE record_id = ANY(%s)", (ids,)
    ).fetchall()
    assert history == [(f"imp.{cleanup}", "create")]
    audited = admin_sql.execute(
        "SELECT count(*) FROM audit_log WHERE action = 'record.create' AND actor = %s",
        (f"imp.{cleanup}",),
    ).fetchone()
    assert audited == (3,)

    # what was exported can be imported back: the export's own columns are skipped
    exported = await _export(app, FUNDS, leader, **{"filter.fiscal_year": str(year)})
    assert len(_sheet(exported)) == 4
    again = await _import(app, leader, exported)
    # ... and is then refused by the schema, not by the columns: the staff view lacks
    # required fields, so nothing is written
    assert again["status"] == "invalid" and again["imported"] == 0
    assert {e["code"] for e in again["errors"]} == {"spreadsheets.column_missing"}
    assert len(_funds_of(admin_sql, year)) == 3


async def test_one_bad_row_writes_nothing_and_every_problem_is_named(
    app: Running, services: Stack, cleanup: str, admin_sql: psycopg.Connection
) -> None:
    leader = await _staff(
        services, app, f"imq.{cleanup}", "620000", [("dept_leader", "620000", False)], "jyj"
    )
    year = _free_year(admin_sql)
    rows = [special_fund("jyj", year, n=n) for n in range(4)]
    rows[1]["end_year"] = 2300  # the schema: at most 2100
    rows[2]["fund_kind"] = "不存在的类别"  # no such code
    rows[3]["budget_amount"] = "十万"  # no amount
    result = await _import(app, leader, workbook(rows))
    assert result["status"] == "invalid" and result["imported"] == 0
    found = [(e["row"], e["column"], e["header"], e["code"]) for e in result["errors"]]
    assert found == [
        (4, "H", "实施截止年度", "spreadsheets.cell_invalid"),
        (5, "B", "资金类别", "spreadsheets.cell_invalid"),
        (6, "F", "预算金额（元）", "spreadsheets.cell_invalid"),
    ]
    messages = [e["message"] for e in result["errors"]]
    assert messages[0] == "第 4 行 H 列（实施截止年度）：“实施截止年度”不能大于 2100。"
    assert "不存在的类别" in messages[1] and "以元为单位" in messages[2]
    assert [e["pointer"] for e in result["errors"]] == [
        "/rows/4/end_year",
        "/rows/5/fund_kind",
        "/rows/6/budget_amount",
    ]
    assert _funds_of(admin_sql, year) == []  # the good first row was not kept either

    # an aggregate rule counts the sheet's own rows: six of one department in one year
    many = [special_fund("jyj", year, n=n) for n in range(6)]
    refused = await _import(app, leader, workbook(many))
    assert refused["status"] == "invalid"
    assert [(e["row"], e["code"]) for e in refused["errors"]] == [(8, "spreadsheets.row_invalid")]
    assert "最多 5 项" in refused["errors"][0]["message"]
    assert _funds_of(admin_sql, year) == []


async def test_formulas_and_files_that_are_no_workbook_are_refused(
    app: Running, services: Stack, cleanup: str, admin_sql: psycopg.Connection
) -> None:
    leader = await _staff(
        services, app, f"imr.{cleanup}", "620000", [("dept_leader", "620000", False)], "jyj"
    )
    year = _free_year(admin_sql)
    rows = [special_fund("jyj", year, n=n) for n in range(3)]
    result = await _import(app, leader, workbook(rows, formula_at=(3, 5)))
    assert result["status"] == "invalid"
    assert [(e["row"], e["column"], e["code"]) for e in result["errors"]] == [
        (4, "F", "spreadsheets.cell_formula")
    ]
    assert _funds_of(admin_sql, year) == []

    headers = {**leader, "content-type": XLSX_TYPE}
    garbage = await app.client.post(f"{FUNDS}/imports", headers=headers, content=b"PK\x03\x04xx")
    assert garbage.status_code == 422
    assert garbage.json()["error"]["code"].startswith("spreadsheets.")
    html = await app.client.post(f"{FUNDS}/imports", headers=headers, content=b"<html></html>")
    assert (html.status_code, html.json()["error"]["code"]) == (422, "spreadsheets.not_xlsx")
    as_json = await app.client.post(f"{FUNDS}/imports", headers=leader, json={"rows": []})
    assert (as_json.status_code, as_json.json()["error"]["code"]) == (422, "spreadsheets.not_xlsx")
    as_text = await app.client.post(
        f"{FUNDS}/imports", headers={**leader, "content-type": "text/plain"}, content=b"x"
    )
    assert as_text.status_code == 415
    oversized = await app.client.post(
        f"{FUNDS}/imports", headers=headers, content=b"PK" + b"\0" * (20 * 1024 * 1024)
    )
    assert oversized.status_code == 413
    assert oversized.json()["error"]["code"] == "request.too_large"
