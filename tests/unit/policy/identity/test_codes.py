from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from yiwang.platform.errors import InvalidInput
from yiwang.policy.identity.codes import (
    CREDIT_CODE_ALPHABET,
    credit_code_check_char,
    is_valid_credit_code,
    is_valid_resident_id,
    normalise_phone,
    parse_credit_code,
    parse_resident_id,
    resident_id_check_digit,
)

TODAY = date(2026, 6, 1)


def detail_codes(exc: InvalidInput) -> list[str]:
    return [d.code for d in exc.details]


def test_published_examples_are_valid() -> None:
    # GB 11643's own example and a widely published credit code.
    assert resident_id_check_digit("11010519491231002") == "X"
    assert parse_resident_id("11010519491231002X", today=TODAY).sex == "female"
    assert parse_credit_code("91350100M000100Y43").division_code == "350100"
    # The implementing body in STANDARDS' task-code example.
    assert credit_code_check_char("11450721MB1558081") == "1"


def test_id_number_is_normalised_and_decoded() -> None:
    rid = parse_resident_id("  11010519491231002x ", today=TODAY)
    assert rid.number == "11010519491231002X"
    assert rid.division_code == "110105"
    assert rid.birth_date == date(1949, 12, 31)


def test_wrong_check_digit_is_refused_with_a_stable_code() -> None:
    with pytest.raises(InvalidInput) as info:
        parse_resident_id("110105194912310021", today=TODAY)
    assert info.value.code == "identity.id_number_invalid"
    assert info.value.pointer == "/id_number"
    assert detail_codes(info.value) == ["identity.id_number_check_digit"]
    assert "校验位" in info.value.details[0].message()


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("1101051949123100", "identity.id_number_format"),  # too short
        ("11010519491231002Y", "identity.id_number_format"),  # bad check character
        ("01010519491231002X", "identity.id_number_format"),  # leading zero
        ("11010519491331002X", "identity.id_number_birth_date"),  # month 13
    ],
)
def test_malformed_id_numbers(value: str, problem: str) -> None:
    with pytest.raises(InvalidInput) as info:
        parse_resident_id(value, today=TODAY)
    assert problem in detail_codes(info.value)


def test_birth_date_in_the_future_is_refused() -> None:
    first17 = "62010220300101001"
    number = first17 + resident_id_check_digit(first17)
    assert not is_valid_resident_id(number, today=TODAY)
    assert is_valid_resident_id(number, today=date(2031, 1, 1))


@st.composite
def resident_ids(draw: st.DrawFn) -> str:
    region = draw(st.integers(110000, 659999))
    born = draw(st.dates(min_value=date(1900, 1, 1), max_value=TODAY))
    serial = draw(st.integers(0, 999))
    first17 = f"{region}{born:%Y%m%d}{serial:03d}"
    return first17 + resident_id_check_digit(first17)


@given(resident_ids(), st.integers(0, 17), st.integers(1, 10))
def test_every_single_character_error_in_an_id_number_is_caught(
    number: str, position: int, shift: int
) -> None:
    assert is_valid_resident_id(number, today=TODAY)
    alphabet = "0123456789X" if position == 17 else "0123456789"
    old = number[position]
    new = alphabet[(alphabet.index(old) + shift) % len(alphabet)]
    if new == old:
        return
    assert not is_valid_resident_id(number[:position] + new + number[position + 1 :], today=TODAY)


@st.composite
def credit_codes(draw: st.DrawFn) -> str:
    head = draw(st.sampled_from("159ANY"))
    category = draw(st.sampled_from("123"))
    division = f"{draw(st.integers(110000, 659999))}"
    body = draw(st.text(alphabet=CREDIT_CODE_ALPHABET, min_size=9, max_size=9))
    first17 = head + category + division + body
    return first17 + credit_code_check_char(first17)


@given(credit_codes(), st.integers(0, 17), st.integers(1, 30))
def test_every_single_character_error_in_a_credit_code_is_caught(
    code: str, position: int, shift: int
) -> None:
    assert is_valid_credit_code(code)
    old = code[position]
    new = CREDIT_CODE_ALPHABET[(CREDIT_CODE_ALPHABET.index(old) + shift) % 31]
    assert not is_valid_credit_code(code[:position] + new + code[position + 1 :])


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("91350100M000100Y4", "identity.credit_code_format"),
        ("91350100M000100I43", "identity.credit_code_charset"),  # I is not in the alphabet
        ("91350100M000100O43", "identity.credit_code_charset"),
        ("9135A100M000100Y43", "identity.credit_code_division"),
        ("91350100M000100Y44", "identity.credit_code_check_char"),
    ],
)
def test_malformed_credit_codes(value: str, problem: str) -> None:
    with pytest.raises(InvalidInput) as info:
        parse_credit_code(value)
    assert info.value.code == "identity.credit_code_invalid"
    assert problem in detail_codes(info.value)


def test_credit_code_is_upper_cased() -> None:
    assert parse_credit_code(" 91350100m000100y43").code == "91350100M000100Y43"


@pytest.mark.parametrize(
    ("raw", "phone"),
    [
        ("13812345678", "13812345678"),
        ("+86 138-1234-5678", "13812345678"),
        ("008613812345678", "13812345678"),
        ("8613812345678", "13812345678"),
    ],
)
def test_phone_numbers_are_normalised(raw: str, phone: str) -> None:
    assert normalise_phone(raw) == phone


@pytest.mark.parametrize("raw", ["12812345678", "1381234567", "138123456789", "abc", ""])
def test_bad_phone_numbers(raw: str) -> None:
    with pytest.raises(InvalidInput) as info:
        normalise_phone(raw)
    assert info.value.code == "identity.phone_invalid"
