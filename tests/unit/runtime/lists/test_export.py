"""What an exported row shows: the view's columns with their labels, codes as labels,
money in 元, dates as dates; and where the file is stored and how it is named."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from yiwang.metadata.documents.shapes import Document
from yiwang.metadata.resolution.resolve import EffectiveModel
from yiwang.runtime.lists.compile import compile_count
from yiwang.runtime.lists.export import (
    FORMATS,
    CellMaker,
    columns_of,
    export_key,
    export_name,
    params_for_export,
)
from yiwang.runtime.lists.query import plan_query
from yiwang.runtime.lists.views import view_of


@pytest.fixture(scope="module")
def funds(province: EffectiveModel) -> Document:
    return province.document("special_fund")


def test_columns_are_the_records_own_then_the_views_with_money_in_yuan(funds: Document) -> None:
    view = view_of(funds, None)
    columns = columns_of(funds, view)
    assert [c.key for c in columns] == ["number", "status", "tenant", *view.columns]
    labels = {c.key: c.label for c in columns}
    assert labels["budget_amount"] == "预算金额（元）"
    assert labels["fund_name"] == "项目名称"


def test_cells_read_as_the_list_does(funds: Document) -> None:
    view = view_of(funds, "public_index")
    assert "fund_kind" in view.columns
    maker = CellMaker(funds, view)
    item = {
        "number": "620000-9",
        "status": "active",
        "tenant": "620000",
        "values": {
            "fund_name": "=1+1",
            "fund_kind": "1",
            "budget_amount": 12_345_678,
            "fiscal_year": 2026,
        },
    }
    row = maker.row(item)
    assert row["status"] == "有效"
    assert row["budget_amount"] == Decimal("123456.78")
    assert row["fiscal_year"] == 2026
    # a code becomes its label; the writer, not this, escapes the formula
    assert row["fund_kind"] == "部门预算专项"
    assert row["fund_name"] == "=1+1"
    assert maker.cell("x", "date", "2026-12-01") == date(2026, 12, 1)
    assert maker.cell("x", "multi_code", ["a", "b"]) == "a、b"
    assert maker.cell("x", "attachment", {"name": "图纸.pdf", "key": "t/1/x"}) == "图纸.pdf"
    assert maker.cell("x", "text", None) is None


def test_the_key_is_the_servers_and_the_name_the_clerks(funds: Document) -> None:
    xlsx = FORMATS["xlsx"]
    assert export_key(16, "ab" * 16, xlsx) == f"t/16/exports/{'ab' * 16}.xlsx"
    for bad in ("../../x", "AB" * 16, "a" * 31):
        with pytest.raises(ValueError):
            export_key(16, bad, xlsx)
    view = view_of(funds, None)
    name = export_name(funds, view, FORMATS["csv"], date(2026, 12, 1))
    assert name.startswith("财政专项资金-") and name.endswith("-20261201.csv")


def test_an_export_takes_the_whole_view_and_counts_it_with_the_same_conditions(
    funds: Document,
) -> None:
    params = params_for_export(
        {"filter.fiscal_year": ["2026"], "limit": ["5"], "cursor": ["x"], "format": ["csv"]}
    )
    assert params == {"filter.fiscal_year": ["2026"]}
    plan = plan_query(
        funds, view_of(funds, None), params, hash_pii=lambda k, v: v, searchable=False
    )
    counted = compile_count(
        funds, plan, tenant_ids=(7, 8), restrict_to_department=True, department="jyj"
    )
    assert counted.sql.startswith("SELECT count(*) AS total FROM records")
    assert "ORDER BY" not in counted.sql and "LIMIT" not in counted.sql
    assert "2026" not in counted.sql and "jyj" not in counted.sql
    assert counted.params["tenants"] == [7, 8]
    assert counted.params["department"] == "jyj"
    assert 2026 in counted.params.values()
