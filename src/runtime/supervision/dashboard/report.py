"""The monthly report of a region, pure: its total, each child region and each of its own
departments with the dashboard's figures, as XLSX (the spreadsheets room's writer:
numbers stay numbers, rates as fractions) and as PDF (reportlab, the certificates
room's embedded CJK font, one table per page width, A4 landscape)."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from yiwang.platform.i18n import translate
from yiwang.runtime.certificates.fonts import FontSpec, load_font, render_lock
from yiwang.runtime.spreadsheets.cells import Cell
from yiwang.runtime.spreadsheets.exporting import Column, write_xlsx
from yiwang.runtime.supervision.dashboard.figures import METRICS, Row, metric_label

XLSX_TYPE: Final = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Report:
    """What the report holds: the region, its period, its lines (total first)."""

    region: str
    period: str
    generated_at: datetime
    lines: Sequence[tuple[str, Row]]

    @property
    def title(self) -> str:
        return translate("dashboard.report.title", region=self.region, period=self.period)


def _columns() -> list[Column]:
    return [
        Column("kind", translate("dashboard.report.kind"), 10),
        Column("name", translate("dashboard.region"), 24),
        *(Column(m, metric_label(m), 14) for m in METRICS),
    ]


def _cell(value: Any) -> Cell:
    if value is None or isinstance(value, int | float):
        return value
    return str(value)


def xlsx_bytes(report: Report) -> bytes:
    """The report as one sheet: a line per region or department, the figures as numbers."""
    rows = [
        {"kind": kind, "name": row.label, **{m: _cell(row.figures.get(m)) for m in METRICS}}
        for kind, row in report.lines
    ]
    out = io.BytesIO()
    write_xlsx(rows, _columns(), out, sheet_name=translate("dashboard.report.sheet"))
    return out.getvalue()


def pdf_bytes(report: Report, font: FontSpec) -> bytes:
    """The report as a PDF with its title, the time it was made and the table."""
    name = load_font(font).name
    title = ParagraphStyle("title", fontName=name, fontSize=16, leading=22)
    small = ParagraphStyle("small", fontName=name, fontSize=9, leading=12)
    cell = ParagraphStyle("cell", fontName=name, fontSize=7.5, leading=9.5)
    header = [Paragraph(c.label, cell) for c in _columns()]
    body = [
        [Paragraph(kind, cell), Paragraph(row.label, cell)]
        + [Paragraph(value, cell) for _, value in row.cells()]
        for kind, row in report.lines
    ]
    widths = [16 * mm, 34 * mm, *([22 * mm] * len(METRICS))]
    table = Table([header, *body], colWidths=widths, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.Color(0.9, 0.92, 0.96)),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    out = io.BytesIO()
    generated = report.generated_at.strftime("%Y-%m-%d %H:%M")
    with render_lock():
        doc = SimpleDocTemplate(
            out,
            pagesize=landscape(A4),
            leftMargin=10 * mm,
            rightMargin=10 * mm,
            topMargin=12 * mm,
            bottomMargin=12 * mm,
            title=report.title,
            author="Yiwang",
        )
        doc.build(
            [
                Paragraph(report.title, title),
                Paragraph(translate("dashboard.report.generated", at=generated), small),
                Spacer(1, 4 * mm),
                table,
            ]
        )
    return out.getvalue()
