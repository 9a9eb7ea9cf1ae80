"""Original names: kept as chosen when harmless, refused when they carry a path or controls,
and sent back per RFC 6266/5987."""

from __future__ import annotations

import pytest

from yiwang.runtime.attachments.errors import UploadRefused
from yiwang.runtime.attachments.names import clean_name, content_disposition, extension_of


def test_a_chinese_name_is_kept_normalised_and_trimmed() -> None:
    decomposed = "营业执照 e\u0301.pdf"  # e + combining acute: NFC makes it é
    assert clean_name(f"  {decomposed} ") == "营业执照 é.pdf"


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("../etc/passwd.png", "路径"),
        ("..\\..\\boot.ini.png", "路径"),
        ("scans/平面图.pdf", "路径"),
        ("..", "为空"),
        ("   ", "为空"),
        ("a..png", None),
        ("报告\x00.pdf", "控制字符"),
        ("报告\x1b[31m.pdf", "控制字符"),
        ("invoice\u202egpj.exe.pdf", "控制字符"),
        ("line\u2028break.pdf", "控制字符"),
        ("长" * 252 + ".pdf", "255"),
    ],
)
def test_names_with_paths_or_controls_are_refused(raw: str, reason: str | None) -> None:
    if reason is None:
        assert clean_name(raw) == raw
        return
    with pytest.raises(UploadRefused) as info:
        clean_name(raw)
    assert info.value.code == "attachments.name_invalid"
    assert info.value.pointer == "/name"
    assert reason in info.value.message()


def test_the_longest_name_allowed_is_255_characters() -> None:
    name = "长" * 251 + ".pdf"
    assert clean_name(name) == name


@pytest.mark.parametrize(
    ("name", "extension"),
    [("平面图.PDF", "pdf"), ("a.tar.gz", "gz"), ("README", ""), (".png", "")],
)
def test_extension(name: str, extension: str) -> None:
    assert extension_of(name) == extension


def test_a_chinese_name_is_encoded_with_an_ascii_fallback() -> None:
    assert content_disposition("营业执照.pdf") == (
        'attachment; filename="attachment.pdf"; '
        "filename*=UTF-8''%E8%90%A5%E4%B8%9A%E6%89%A7%E7%85%A7.pdf"
    )


def test_an_ascii_name_is_its_own_fallback_and_quotes_never_break_out() -> None:
    assert content_disposition("plan v2.pdf") == (
        "attachment; filename=\"plan v2.pdf\"; filename*=UTF-8''plan%20v2.pdf"
    )
    assert content_disposition('a"; filename=x.html.pdf') == (
        "attachment; filename=\"attachment.pdf\"; filename*=UTF-8''a%22%3B%20filename%3Dx.html.pdf"
    )
