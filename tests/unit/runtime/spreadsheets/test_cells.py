"""Formula escaping (OWASP CSV injection) and column letters."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from yiwang.platform.text import FORMULA_TRIGGERS as DANGEROUS
from yiwang.platform.text import TEXT_QUOTE as QUOTE
from yiwang.runtime.spreadsheets.cells import (
    column_index,
    column_letter,
    escape_formula,
    unescape_formula,
)

OWASP_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


PREFIX = st.sampled_from(sorted(DANGEROUS | {QUOTE}))
ANY = st.text(max_size=20)


@pytest.mark.parametrize("prefix", OWASP_PREFIXES)
def test_every_owasp_prefix_gets_a_quote(prefix: str) -> None:
    assert escape_formula(prefix + "1+1") == "'" + prefix + "1+1"


@pytest.mark.parametrize(
    ("text", "escaped"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"),
        ("＝1+1", "'＝1+1"),
        ("'已有引号", "''已有引号"),
        ("个体工商户营业执照", "个体工商户营业执照"),
        ("a=1", "a=1"),
        ("", ""),
    ],
)
def test_escape_examples(text: str, escaped: str) -> None:
    assert escape_formula(text) == escaped


@settings(max_examples=300)
@given(prefix=PREFIX, rest=ANY)
def test_a_dangerous_start_is_always_neutralised(prefix: str, rest: str) -> None:
    escaped = escape_formula(prefix + rest)
    assert escaped[0] == QUOTE
    assert escaped[1:] == prefix + rest


@settings(max_examples=300)
@given(text=st.one_of(ANY, st.builds(str.__add__, PREFIX, ANY)))
def test_escaping_round_trips_and_never_leaves_a_dangerous_start(text: str) -> None:
    escaped = escape_formula(text)
    assert unescape_formula(escaped) == text
    assert not escaped or escaped[0] not in DANGEROUS


def test_unescape_keeps_a_quote_that_protects_nothing() -> None:
    assert unescape_formula("'abc") == "'abc"
    assert unescape_formula("'") == "'"


@settings(max_examples=200)
@given(index=st.integers(0, 20_000))
def test_column_letters_round_trip(index: int) -> None:
    assert column_index(column_letter(index)) == index


def test_column_letters() -> None:
    assert [column_letter(i) for i in (0, 1, 25, 26, 27, 51, 52, 701, 702)] == [
        "A",
        "B",
        "Z",
        "AA",
        "AB",
        "AZ",
        "BA",
        "ZZ",
        "AAA",
    ]
    with pytest.raises(ValueError):
        column_index("a1")
