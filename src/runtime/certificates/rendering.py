"""The rendered certificate: one A4 page of PDF with the face content and a QR code.

Everything is drawn as vector graphics and embedded text (the CJK font is
subset into the file), so the PDF prints sharply and its text can be searched
and read back. The QR code carries the verification address, which ends in
the identifier; it is drawn module by module, so no image library is involved.
The same certificate renders to the same bytes (reportlab's invariant mode).
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import date, datetime
from typing import Final

import segno
from reportlab.lib.colors import Color, black
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from yiwang.platform.i18n import translate
from yiwang.runtime.certificates.document import CANCELLED, Certificate
from yiwang.runtime.certificates.errors import GlyphMissing
from yiwang.runtime.certificates.fonts import FontSpec, LoadedFont, load_font, render_lock

SEAL_RED: Final = Color(0.78, 0.08, 0.08)
FRAME: Final = Color(0.55, 0.42, 0.18)
_PAGE_W, _PAGE_H = A4
_MARGIN: Final = 56.0
_LABEL_W: Final = 96.0
_LABEL_MAX_W: Final = 170.0
_LABEL_GREY: Final = Color(0.3, 0.3, 0.3)
_QR_SIZE: Final = 108.0
#: face font sizes tried in turn until the face fits above the footer
_FACE_SIZES: Final = (13.0, 12.0, 11.0, 10.0, 9.0, 8.0)


def verify_url(template: str, identifier: str) -> str:
    """The verification address of `identifier` (`{identifier}` in the template)."""
    return template.replace("{identifier}", identifier)


def qr_code(url: str) -> segno.QRCode:
    """The QR code of `url`, error correction level M (15 % of the symbol may be lost)."""
    return segno.make_qr(url, error="m", boost_error=False)


def qr_runs(code: segno.QRCode) -> Iterator[tuple[int, int, int]]:
    """(row, first column, length) of each horizontal run of dark modules."""
    for row, line in enumerate(code.matrix):
        start = None
        for col, dark in enumerate((*line, 0)):
            if dark and start is None:
                start = col
            elif not dark and start is not None:
                yield row, start, col - start
                start = None


def format_date(value: date) -> str:
    return translate("certificates.face.date", year=value.year, month=value.month, day=value.day)


def format_time(value: datetime) -> str:
    """A moment as printed, in its own offset (the platform records +08:00)."""
    return translate(
        "certificates.face.time",
        year=value.year,
        month=value.month,
        day=value.day,
        hour=value.hour,
        minute=value.minute,
    )


def _wrap(text: str, font: str, size: float, width: float) -> list[str]:
    """Lines of `text` no wider than `width`; CJK breaks anywhere, so break by character."""
    lines: list[str] = []
    for paragraph in text.splitlines() or [""]:
        line = ""
        for ch in paragraph:
            if line and stringWidth(line + ch, font, size) > width:
                lines.append(line)
                line = ch
            else:
                line += ch
        lines.append(line)
    return lines


def _rows(certificate: Certificate) -> list[tuple[str, str]]:
    rows = [(item.item, item.value) for item in certificate.face_content]
    if not any(certificate.holder_name in value for _, value in rows):
        rows.insert(0, (translate("certificates.face.holder_name"), certificate.holder_name))
    valid_from = format_date(certificate.valid_from)
    if certificate.valid_to is None:
        validity = translate("certificates.face.validity_open", valid_from=valid_from)
    else:
        validity = translate(
            "certificates.face.validity_range",
            valid_from=valid_from,
            valid_to=format_date(certificate.valid_to),
        )
    rows.append((translate("certificates.face.validity"), validity))
    rows.append((translate("certificates.face.issuer"), certificate.issuer_name))
    rows.append((translate("certificates.face.issue_date"), format_date(certificate.issue_date)))
    return rows


def _texts(certificate: Certificate, rows: list[tuple[str, str]]) -> str:
    """Every string the page draws, for the glyph check."""
    parts = [certificate.license_name, certificate.license_number, certificate.license_identifier]
    parts += [f"{label}{value}" for label, value in rows]
    parts += [certificate.seal_by or "", certificate.seal_name or ""]
    parts += [translate(f"certificates.face.{k}") for k in ("license_number", "identifier")]
    parts += [
        translate("certificates.face.scan_to_verify"),
        translate("certificates.face.cancelled"),
    ]
    return "".join(parts)


def render_pdf(certificate: Certificate, *, verify_address: str, font: FontSpec) -> bytes:
    """The certificate as a one-page PDF; `GlyphMissing` if the font lacks a character."""
    loaded = load_font(font)
    rows = _rows(certificate)
    missing = loaded.missing(_texts(certificate, rows))
    if missing:
        raise GlyphMissing(
            "certificates.glyph_missing",
            pointer="/holder_name" if set(missing) & set(certificate.holder_name) else None,
            characters="".join(missing),
        )
    with render_lock():
        return _draw(certificate, rows, verify_address, loaded)


def _draw(
    certificate: Certificate, rows: list[tuple[str, str]], address: str, font: LoadedFont
) -> bytes:
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, invariant=True, pageCompression=1)
    canvas.setTitle(certificate.license_name)
    canvas.setSubject(certificate.license_identifier)
    canvas.setAuthor(certificate.issuer_name)
    canvas.setCreator("Yiwang")
    name = font.name
    _frame(canvas)
    top = _PAGE_H - _MARGIN - 40
    canvas.setFillColor(black)
    canvas.setFont(name, 28)
    canvas.drawCentredString(_PAGE_W / 2, top, certificate.license_name)
    canvas.setFont(name, 11)
    number = f"{translate('certificates.face.license_number')}：{certificate.license_number}"
    canvas.drawCentredString(_PAGE_W / 2, top - 30, number)
    footer = _MARGIN + _QR_SIZE + 56
    _face(canvas, rows, name, top - 70, footer)
    _qr(canvas, address, name, certificate.license_identifier)
    if certificate.seal_by:
        _seal(canvas, name, certificate.seal_by, certificate.seal_name)
    if certificate.cert_status == CANCELLED:
        _cancelled(canvas, name)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def _frame(canvas: Canvas) -> None:
    canvas.setStrokeColor(FRAME)
    canvas.setLineWidth(2.5)
    canvas.rect(28, 28, _PAGE_W - 56, _PAGE_H - 56)
    canvas.setLineWidth(0.8)
    canvas.rect(34, 34, _PAGE_W - 68, _PAGE_H - 68)


def _face(canvas: Canvas, rows: list[tuple[str, str]], name: str, top: float, floor: float) -> None:
    """Label and value columns; the label column is as wide as the widest label, within bounds."""
    for size in _FACE_SIZES:
        widest = max(stringWidth(label, name, size) for label, _ in rows)
        label_w = min(max(widest + size, _LABEL_W), _LABEL_MAX_W)
        value_w = _PAGE_W - 2 * _MARGIN - label_w
        wrapped = [
            (_wrap(label, name, size, label_w - size), _wrap(value, name, size, value_w))
            for label, value in rows
        ]
        leading = size * 1.55
        height = sum(max(len(a), len(b)) * leading + size * 0.6 for a, b in wrapped)
        if top - height >= floor or size == _FACE_SIZES[-1]:
            break
    y = top
    canvas.setFont(name, size)
    for label_lines, value_lines in wrapped:
        for index in range(max(len(label_lines), len(value_lines))):
            if index < len(label_lines):
                canvas.setFillColor(_LABEL_GREY)
                canvas.drawString(_MARGIN, y, label_lines[index])
            if index < len(value_lines):
                canvas.setFillColor(black)
                canvas.drawString(_MARGIN + label_w, y, value_lines[index])
            y -= leading
        y -= size * 0.6


def _qr(canvas: Canvas, address: str, name: str, identifier: str) -> None:
    code = qr_code(address)
    border = 2
    modules = code.symbol_size(border=0)[0]
    unit = _QR_SIZE / (modules + 2 * border)
    left, bottom = _MARGIN, _MARGIN + 24
    canvas.setFillColor(black)
    for row, col, run in qr_runs(code):
        x = left + (border + col) * unit
        y = bottom + _QR_SIZE - (border + row + 1) * unit
        canvas.rect(x, y, run * unit, unit, stroke=0, fill=1)
    canvas.setFont(name, 8)
    canvas.drawString(
        left + _QR_SIZE + 8, bottom + 12, translate("certificates.face.scan_to_verify")
    )
    canvas.setFont(name, 7)
    label = translate("certificates.face.identifier")
    canvas.drawString(left, _MARGIN + 8, f"{label}：{identifier}")


def _seal(canvas: Canvas, name: str, seal_by: str, seal_name: str | None) -> None:
    cx, cy, radius = _PAGE_W - _MARGIN - 70, _MARGIN + 90, 60.0
    canvas.setStrokeColor(SEAL_RED)
    canvas.setFillColor(SEAL_RED)
    canvas.setLineWidth(2.2)
    canvas.circle(cx, cy, radius, stroke=1, fill=0)
    size = min(13.0, (2 * radius - 24) / max(len(seal_by), 1))
    canvas.setFont(name, size)
    canvas.drawCentredString(cx, cy + 4, seal_by)
    if seal_name:
        canvas.setFont(name, 8)
        canvas.drawCentredString(cx, cy - 18, seal_name)


def _cancelled(canvas: Canvas, name: str) -> None:
    canvas.saveState()
    canvas.setFillColor(Color(0.78, 0.08, 0.08, alpha=0.35))
    canvas.translate(_PAGE_W / 2, _PAGE_H / 2)
    canvas.rotate(30)
    canvas.setFont(name, 96)
    canvas.drawCentredString(0, 0, translate("certificates.face.cancelled"))
    canvas.restoreState()
