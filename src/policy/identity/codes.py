"""Validation of the national identity codes an account is keyed by.

A natural person is identified by a resident ID number (GB 11643), a legal
person by its unified social credit code (GB 32100), a citizen logs in with a
mainland mobile number. A typo in any of them must be caught at the edge, with
a stable error code and the pointer of the offending value, before it reaches
a real-name provider or the database.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from yiwang.platform.errors import ErrorDetail, InvalidInput

# GB 11643: ISO 7064 MOD 11-2 over the first 17 digits.
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK_CHARS = "10X98765432"
_ID_PATTERN = re.compile(r"^[1-9]\d{16}[\dX]$")

# GB 32100-2015: 31 characters (no I, O, Z, S, V), MOD 31 over the first 17.
CREDIT_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_VALUES = {ch: i for i, ch in enumerate(CREDIT_CODE_ALPHABET)}
_CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_CREDIT_DIVISION = re.compile(r"^\d{6}$")

# Mainland mobile numbers: 11 digits starting 13-19; "+86"/"86" prefixes tolerated.
_PHONE_PATTERN = re.compile(r"^1[3-9]\d{9}$")

#: the oldest birth year accepted in an ID number
_MIN_BIRTH_YEAR = 1890


@dataclass(frozen=True)
class ResidentId:
    """A valid resident ID number and what it encodes."""

    number: str
    division_code: str
    birth_date: date
    #: "male" or "female": the 17th digit is odd for men
    sex: str


@dataclass(frozen=True)
class CreditCode:
    """A valid unified social credit code and what it encodes."""

    code: str
    #: 登记管理部门代码 (1 = 机构编制, 5 = 民政, 9 = 工商, ...)
    authority: str
    #: 机构类别代码
    category: str
    #: characters 3-8: the registering authority's division code
    division_code: str


def resident_id_check_digit(first17: str) -> str:
    """The check character for the first 17 digits of a resident ID number."""
    if len(first17) != 17 or not first17.isdigit():
        raise ValueError("the check digit is computed over exactly 17 digits")
    total = sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK_CHARS[total % 11]


def credit_code_check_char(first17: str) -> str:
    """The check character for the first 17 characters of a credit code."""
    if len(first17) != 17 or any(ch not in _CREDIT_VALUES for ch in first17):
        raise ValueError("the check character is computed over 17 characters of the alphabet")
    total = sum(_CREDIT_VALUES[ch] * w for ch, w in zip(first17, _CREDIT_WEIGHTS, strict=True))
    return CREDIT_CODE_ALPHABET[(31 - total % 31) % 31]


def _id_problems(number: str, today: date) -> tuple[list[str], date | None]:
    if not _ID_PATTERN.match(number):
        return ["identity.id_number_format"], None
    try:
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        born = None
    problems = []
    if born is None or born > today or born.year < _MIN_BIRTH_YEAR:
        problems.append("identity.id_number_birth_date")
    if resident_id_check_digit(number[:17]) != number[17]:
        problems.append("identity.id_number_check_digit")
    return problems, born


def parse_resident_id(
    value: str, *, pointer: str = "/id_number", today: date | None = None
) -> ResidentId:
    """Normalise (trim, upper-case X) and validate a resident ID number, or raise."""
    number = value.strip().upper()
    problems, born = _id_problems(number, today or date.today())
    if problems or born is None:
        raise InvalidInput(
            "identity.id_number_invalid",
            pointer=pointer,
            details=[ErrorDetail(code, pointer) for code in problems],
        )
    return ResidentId(
        number=number,
        division_code=number[:6],
        birth_date=born,
        sex="male" if int(number[16]) % 2 else "female",
    )


def is_valid_resident_id(value: str, *, today: date | None = None) -> bool:
    problems, _ = _id_problems(value.strip().upper(), today or date.today())
    return not problems


def _credit_problems(code: str) -> list[str]:
    if len(code) != 18:
        return ["identity.credit_code_format"]
    if any(ch not in _CREDIT_VALUES for ch in code):
        return ["identity.credit_code_charset"]
    problems = []
    if not _CREDIT_DIVISION.match(code[2:8]):
        problems.append("identity.credit_code_division")
    if credit_code_check_char(code[:17]) != code[17]:
        problems.append("identity.credit_code_check_char")
    return problems


def parse_credit_code(value: str, *, pointer: str = "/credit_code") -> CreditCode:
    """Normalise (trim, upper-case) and validate a unified social credit code, or raise."""
    code = value.strip().upper()
    problems = _credit_problems(code)
    if problems:
        raise InvalidInput(
            "identity.credit_code_invalid",
            pointer=pointer,
            details=[ErrorDetail(p, pointer) for p in problems],
        )
    return CreditCode(code=code, authority=code[0], category=code[1], division_code=code[2:8])


def is_valid_credit_code(value: str) -> bool:
    return not _credit_problems(value.strip().upper())


def normalise_phone(value: str, *, pointer: str = "/phone") -> str:
    """An 11-digit mainland mobile number, with spaces, dashes and +86 removed, or raise."""
    digits = re.sub(r"[\s-]", "", value)
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("0086"):
        digits = digits[4:]
    elif len(digits) == 13 and digits.startswith("86"):
        digits = digits[2:]
    if not _PHONE_PATTERN.match(digits):
        raise InvalidInput("identity.phone_invalid", pointer=pointer)
    return digits
