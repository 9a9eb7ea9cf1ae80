"""The kernel's text rules: what names, codes and free text may hold, and formula escaping."""

from __future__ import annotations

import csv
import io

import pytest

from yiwang.platform.text import (
    NAME_UNSAFE,
    TEXT_UNSAFE,
    codepoint,
    escape_formula,
    first_unsafe,
    is_safe_name,
    is_safe_text,
)

BIDI = ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069"]
MARKS = ["\u200e", "\u200f", "\u061c"]
ZERO_WIDTH = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff"]
C0 = [chr(c) for c in range(0x20)]
C1 = [chr(c) for c in range(0x7F, 0xA0)]


@pytest.mark.parametrize("char", C0 + C1 + BIDI + MARKS + ZERO_WIDTH + ["\u2028", "\u2029"])
def test_names_refuse_every_control_and_invisible_character(char: str) -> None:
    name = f"城关{char}区"
    assert not is_safe_name(name)
    assert first_unsafe(name) == 2


@pytest.mark.parametrize(
    "name", ["城关区", "临夏回族自治州", "Lanzhou New Area", "A-1_b.c", "（新区）"]
)
def test_ordinary_names_pass(name: str) -> None:
    assert is_safe_name(name)


def test_free_text_keeps_tab_newline_and_bidi_marks_but_refuses_other_c0() -> None:
    assert is_safe_text("第一行\n第二行\t制表\r\n")
    assert is_safe_text("\u202bمرحبا\u202c")
    for code in [c for c in range(0x20) if chr(c) not in "\t\n\r"]:
        assert not is_safe_text(f"a{chr(code)}b"), hex(code)
        assert first_unsafe(f"a{chr(code)}b", TEXT_UNSAFE) == 1
    assert first_unsafe("ok", NAME_UNSAFE) is None


def test_codepoint_names_the_refused_character() -> None:
    assert codepoint("\u202e") == "U+202E"
    assert codepoint("\x00") == "U+0000"


@pytest.mark.parametrize(
    ("value", "escaped"),
    [
        ('=HYPERLINK("http://evil.example","点击")', '\'=HYPERLINK("http://evil.example","点击")'),
        ("+1+1", "'+1+1"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("＝SUM(1)", "'＝SUM(1)"),
        ("城关区", "城关区"),
        ("a=b", "a=b"),
        ("", ""),
    ],
)
def test_escape_formula_follows_owasp(value: str, escaped: str) -> None:
    assert escape_formula(value) == escaped


def test_an_escaped_cell_survives_a_csv_round_trip_as_text() -> None:
    out = io.StringIO()
    csv.writer(out).writerow([escape_formula('=cmd|" /C calc"!A0'), escape_formula("城关区")])
    row = next(csv.reader(io.StringIO(out.getvalue())))
    assert row == ['\'=cmd|" /C calc"!A0', "城关区"]
    assert not row[0].startswith("=")
