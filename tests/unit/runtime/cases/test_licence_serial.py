"""A completed case's licence identifier is built from its number: a real 实施编码 is
31 characters, so the whole number cannot be the GB/T 36904 serial (at most 32)."""

from __future__ import annotations

from datetime import date

from yiwang.runtime.cases.certificates import identifier_serial
from yiwang.runtime.cases.numbering import case_number
from yiwang.runtime.certificates.identifier import build_identifier, parse_identifier

#: a 实施编码 of the shape the seed's service items carry (31 characters)
IMPLEMENTING = "11620102MB1956781F3000111700001"
#: a licence type code and an issuer of the published identifiers the certificates room checks
TYPE_CODE = "11100000000013338W011"
ISSUER_CODE = "11430000006122244L"


def test_the_serial_is_the_day_and_the_days_serial() -> None:
    number = case_number(IMPLEMENTING, date(2026, 12, 1), 42)
    assert len(number.replace("-", "")) > 32
    assert identifier_serial(number) == "20261201000042"


def test_a_long_case_number_still_gives_a_valid_identifier() -> None:
    number = case_number(IMPLEMENTING, date(2026, 12, 1), 7)
    identifier = build_identifier(TYPE_CODE, ISSUER_CODE, identifier_serial(number), 1)
    assert parse_identifier(str(identifier)).serial == "20261201000007"
