"""The rendered PDF, read back: its text with an independent PDF engine (PDFium),
its QR code by rasterising the page and decoding it (zxing-cpp)."""

from __future__ import annotations

from pathlib import Path

import msgspec
import pypdfium2 as pdfium
import pytest
import zxingcpp

from yiwang.runtime.certificates.authority import CertificateAuthority
from yiwang.runtime.certificates.document import Certificate
from yiwang.runtime.certificates.errors import CertificateSettingsInvalid, GlyphMissing
from yiwang.runtime.certificates.fonts import FontSpec, find_font
from yiwang.runtime.certificates.rendering import qr_code, qr_runs, render_pdf, verify_url
from yiwang.runtime.certificates.settings import CertificateSettings
from yiwang.runtime.certificates.templates import CertificateTemplate

from .conftest import VERIFY_URL, food_certificate, food_form_data


def _text(pdf: bytes) -> str:
    document = pdfium.PdfDocument(pdf)
    assert len(document) == 1
    return str(document[0].get_textpage().get_text_range())


def _qr_texts(pdf: bytes) -> list[str]:
    page = pdfium.PdfDocument(pdf)[0]
    image = page.render(scale=3).to_pil().convert("L")
    return [barcode.text for barcode in zxingcpp.read_barcodes(image)]


@pytest.fixture(scope="module")
def issued_pdf(
    authority: CertificateAuthority, template: CertificateTemplate
) -> tuple[Certificate, bytes]:
    certificate = food_certificate(template, food_form_data())
    return certificate, authority.issue(certificate).pdf


def test_the_pdf_holds_the_holder_and_the_face_as_text(
    issued_pdf: tuple[Certificate, bytes],
) -> None:
    certificate, pdf = issued_pdf
    assert pdf.startswith(b"%PDF-")
    text = _text(pdf)
    for expected in (
        "食品经营许可证",
        "兰州市城关区张记牛肉面馆",
        "张建国",
        "热食类食品制售、冷食类食品制售",
        "2031年11月26日",
        "兰州市城关区市场监督管理局",
        certificate.license_number,
    ):
        assert expected in text, expected
    assert "已注销" not in text


def test_the_qr_code_decodes_to_the_verification_address(
    issued_pdf: tuple[Certificate, bytes],
) -> None:
    certificate, pdf = issued_pdf
    expected = VERIFY_URL.replace("{identifier}", certificate.license_identifier)
    assert _qr_texts(pdf) == [expected]
    assert expected.endswith("/verify/" + certificate.license_identifier)


def test_the_qr_module_runs_rebuild_the_symbol() -> None:
    code = qr_code("https://zwfw.example.gov.cn/v/1.2.156.3005.2.X")
    rows = [[0] * len(code.matrix[0]) for _ in code.matrix]
    for row, col, run in qr_runs(code):
        for c in range(col, col + run):
            rows[row][c] = 1
    assert [list(r) for r in code.matrix] == rows


def test_the_same_certificate_renders_to_the_same_bytes(
    authority: CertificateAuthority, issued_pdf: tuple[Certificate, bytes]
) -> None:
    certificate, pdf = issued_pdf
    assert authority.render(certificate) == pdf


def test_a_cancelled_certificate_is_marked(
    authority: CertificateAuthority, issued_pdf: tuple[Certificate, bytes]
) -> None:
    certificate, _ = issued_pdf
    cancelled = msgspec.structs.replace(certificate, cert_status="cancelled", cancel_reason="歇业")
    assert "已注销" in _text(authority.render(cancelled))


def test_a_long_face_still_fits_on_one_page(
    authority: CertificateAuthority, issued_pdf: tuple[Certificate, bytes]
) -> None:
    certificate, _ = issued_pdf
    long_value = "经营项目" * 120
    longer = msgspec.structs.replace(
        certificate,
        face_content=(
            *certificate.face_content,
            type(certificate.face_content[0])(item="备注", value=long_value),
        ),
    )
    text = _text(authority.render(longer)).replace("\r", "").replace("\n", "")
    assert long_value in text


def test_a_character_the_font_lacks_is_refused(
    font: FontSpec, issued_pdf: tuple[Certificate, bytes]
) -> None:
    certificate, _ = issued_pdf
    rare = msgspec.structs.replace(certificate, holder_name="𠀀记商行")  # CJK Extension B
    with pytest.raises(GlyphMissing) as exc:
        render_pdf(rare, verify_address=verify_url(VERIFY_URL, "x"), font=font)
    assert exc.value.pointer == "/holder_name"
    assert "𠀀" in exc.value.message()


def test_the_font_comes_from_the_settings_when_set(tmp_path: Path) -> None:
    with pytest.raises(CertificateSettingsInvalid) as exc:
        find_font(CertificateSettings(font_file=tmp_path / "none.ttf"))
    assert exc.value.code == "certificates.settings.font_missing"
    default = find_font(CertificateSettings())
    assert find_font(CertificateSettings(font_file=default.path)).path == default.path
