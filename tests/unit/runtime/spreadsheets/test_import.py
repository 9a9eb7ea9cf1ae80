"""XLSX import: round trip, header mapping, and every row- and column-level error."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from yiwang.platform.errors import ErrorDetail
from yiwang.platform.text import FORMULA_TRIGGERS as DANGEROUS
from yiwang.platform.text import TEXT_QUOTE as QUOTE
from yiwang.runtime.spreadsheets.errors import SpreadsheetInvalid, SpreadsheetRejected
from yiwang.runtime.spreadsheets.exporting import Column, write_xlsx
from yiwang.runtime.spreadsheets.importing import Field, read_xlsx
from yiwang.runtime.spreadsheets.inspection import Limits

from .books import book, cell, sheet

FIELDS = [
    Field("task_name", "事项名称", required=True),
    Field("task_code", "事项编码", required=True),
    Field("promise_day", "承诺时限"),
    Field("accept_date", "受理日期"),
    Field("note", "备注"),
]
COLUMNS = [Column(f.key, f.label) for f in FIELDS]

# text a clerk could type: Chinese, ASCII, full-width, the dangerous prefixes
TEXT = st.text(
    st.one_of(
        st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF),
        st.characters(min_codepoint=0x21, max_codepoint=0x7E),
        st.sampled_from(sorted(DANGEROUS | {QUOTE, "（", "）", "、"})),
    ),
    min_size=1,
    max_size=30,
).filter(lambda s: s.strip() != "")
ROW = st.fixed_dictionaries(
    {
        "task_name": TEXT,
        "task_code": TEXT,
        "promise_day": st.integers(-(10**12), 10**12),
        "accept_date": st.dates(date(1950, 1, 1), date(2100, 1, 1)),
        "note": st.one_of(TEXT, st.none()),
    }
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=st.lists(ROW, min_size=1, max_size=8))
def test_export_then_import_gives_the_same_values(
    tmp_path: Path, rows: list[dict[str, object]]
) -> None:
    path = tmp_path / "round.xlsx"
    write_xlsx(rows, COLUMNS, path)
    result = read_xlsx(path, FIELDS)
    assert result.errors == []
    assert result.header_row == 1
    got = [r.values for r in result.rows]
    expected = [{k: v for k, v in r.items() if v is not None} for r in rows]
    assert got == expected
    assert [r.row for r in result.rows] == list(range(2, len(rows) + 2))


def test_chinese_and_escaped_texts_survive(tmp_path: Path) -> None:
    rows = [{"task_name": "个体工商户营业执照办理", "task_code": "=620102-XK-001", "note": "'引号"}]
    path = tmp_path / "zh.xlsx"
    write_xlsx(rows, COLUMNS, path)
    [row] = read_xlsx(path.read_bytes(), FIELDS).rows
    assert row.values == rows[0]


def test_headers_match_by_label_or_key_with_marks_and_width() -> None:
    data = book(
        sheet(
            [
                [cell("A1", "2026年权力清单登记表")],  # a title row above the header
                [
                    cell("A2", "*事项名称"),
                    cell("B2", "task_code"),
                    cell("C2", "承诺时限（必填）"),
                    cell("D2", "备　注"),
                ],
                [cell("A3", "食品经营许可"), cell("B3", "XK-1"), cell("C3", 5), cell("D3", "无")],
            ]
        )
    )
    result = read_xlsx(data, FIELDS)
    assert result.errors == []
    assert result.header_row == 2
    assert result.columns == {"task_name": 0, "task_code": 1, "promise_day": 2, "note": 3}
    assert result.rows[0].row == 3
    assert result.rows[0].values == {
        "task_name": "食品经营许可",
        "task_code": "XK-1",
        "promise_day": 5,
        "note": "无",
    }


def test_column_errors_name_the_column_and_header() -> None:
    data = book(
        sheet(
            [
                [cell("A1", "事项名称"), cell("B1", "办理部门"), cell("C1", "事项名称")],
                [cell("A2", "甲"), cell("B2", "乙"), cell("C2", "丙"), cell("E2", "孤")],
            ]
        )
    )
    result = read_xlsx(data, FIELDS)
    codes = [(e.code, e.pointer) for e in result.errors]
    assert codes == [
        ("spreadsheets.column_unknown", "/columns/B"),
        ("spreadsheets.column_duplicate", "/columns/C"),
        ("spreadsheets.column_unlabelled", "/columns/E"),
        ("spreadsheets.column_missing", "/columns/task_code"),
    ]
    messages = [e.message() for e in result.errors]
    assert messages[0] == "第 1 行 B 列：不认识的列“办理部门”。"
    assert messages[1] == "第 1 行 C 列：列“事项名称”与 A 列重复。"
    assert messages[2] == "E 列有数据但没有表头（表头在第 1 行）。"
    assert messages[3] == "缺少必填列“事项编码”。"


def test_formula_and_error_cells_are_reported_not_read() -> None:
    header = [cell("A1", "事项名称"), cell("B1", "事项编码"), cell("C1", "承诺时限")]
    data = book(
        sheet(
            [
                header,
                [
                    cell("A2", "甲"),
                    '<c r="B2" t="str"><f>A2&amp;"-1"</f><v>甲-1</v></c>',
                    cell("C2", 3),
                ],
                [cell("A3", "乙"), cell("B3", "X"), '<c r="C3" t="e"><v>#DIV/0!</v></c>'],
            ]
        )
    )
    result = read_xlsx(data, FIELDS)
    assert [(e.code, e.pointer) for e in result.errors] == [
        ("spreadsheets.cell_formula", "/rows/2/task_code"),
        ("spreadsheets.cell_error_value", "/rows/3/promise_day"),
    ]
    assert (
        result.errors[0].message()
        == "第 2 行 B 列（事项编码）：单元格含有公式，请直接填写值，不要使用公式。"
    )
    assert result.errors[1].message() == "第 3 行 C 列（承诺时限）：单元格是错误值 #DIV/0!。"
    assert result.rows[0].values == {"task_name": "甲", "promise_day": 3}


def test_a_formula_with_a_namespace_prefix_is_found() -> None:
    xml = (
        '<?xml version="1.0"?><x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        '<x:sheetData><x:row r="1"><x:c r="A1" t="inlineStr"><x:is><x:t>事项名称</x:t></x:is></x:c></x:row>'
        '<x:row r="2"><x:c r="A2"><x:f>1+1</x:f><x:v>2</x:v></x:c></x:row></x:sheetData></x:worksheet>'
    )
    result = read_xlsx(book(xml), FIELDS)
    assert [e.code for e in result.errors] == [
        "spreadsheets.column_missing",
        "spreadsheets.cell_formula",
    ]


def test_too_long_cells_and_too_many_rows() -> None:
    header = [cell("A1", "事项名称"), cell("B1", "事项编码")]
    rows = [header] + [[cell(f"A{i}", "名" * 12), cell(f"B{i}", "C")] for i in range(2, 6)]
    limits = Limits(max_cell_chars=10, max_rows=10)
    result = read_xlsx(book(sheet(rows)), FIELDS, limits=limits)
    assert [e.code for e in result.errors] == ["spreadsheets.cell_too_long"] * 4
    assert "最多 10 个字符，实际 12 个" in result.errors[0].message()
    with pytest.raises(SpreadsheetRejected) as too_many:
        read_xlsx(book(sheet(rows)), FIELDS, limits=Limits(max_rows=3))
    assert too_many.value.code == "spreadsheets.too_many_rows"
    assert "最多导入 3 行" in too_many.value.message()


def test_empty_rows_are_skipped_and_row_numbers_kept() -> None:
    data = book(
        sheet(
            [
                [cell("A1", "事项名称"), cell("B1", "事项编码")],
                [cell("A2", "甲"), cell("B2", "1")],
                [cell("A3", "  ")],
                [cell("A4", "乙"), cell("B4", "2")],
            ]
        )
    )
    assert [(r.row, r.values["task_name"]) for r in read_xlsx(data, FIELDS).rows] == [
        (2, "甲"),
        (4, "乙"),
    ]


def test_the_caller_adds_its_errors_and_check_raises_them_all() -> None:
    data = book(
        sheet(
            [
                [cell("A1", "事项名称"), cell("B1", "事项编码"), cell("C1", "外部系统编号")],
                [cell("A2", "甲"), cell("B2", "1")],
                [cell("A3", "乙"), cell("B3", "2")],
            ]
        )
    )
    result = read_xlsx(data, FIELDS)
    problems: list[ErrorDetail] = []
    for row in result.rows:
        if row.values["task_name"] == "乙":
            problems.append(
                result.cell_error(row, "task_code", "request.field_invalid", detail="编码已存在")
            )
            problems.append(result.row_error(row, "request.field_required"))
    with pytest.raises(SpreadsheetInvalid) as raised:
        result.check(problems)
    err = raised.value
    assert err.code == "spreadsheets.invalid"
    assert err.message() == "表格中有 3 处问题，未导入任何数据。请修改后重新上传。"
    body = err.as_dict()
    assert [e["code"] for e in body["errors"]] == [
        "spreadsheets.column_unknown",
        "spreadsheets.row_invalid",
        "spreadsheets.cell_invalid",
    ]
    assert body["errors"][2] == {
        "code": "spreadsheets.cell_invalid",
        "pointer": "/rows/3/task_code",
        "message": "第 3 行 B 列（事项编码）：取值不符合要求：编码已存在",
    }
    assert body["errors"][1]["message"] == "第 3 行：缺少必填项。"


def test_check_passes_when_nothing_is_wrong() -> None:
    data = book(
        sheet(
            [[cell("A1", "事项名称"), cell("B1", "事项编码")], [cell("A2", "甲"), cell("B2", "1")]]
        )
    )
    read_xlsx(data, FIELDS).check()
