"""Licence identifiers (证照标识, GB/T 36904): build, parse, validate.

    1.2.156.3005.2 . <licence type code> . <issuer code> . <serial> . <version> . <check>

- the root `1.2.156.3005.2` is the OID arc of electronic licences;
- the licence type code is the defining body's unified social credit code
  (18 characters, GB 32100) followed by a 3-digit sequence number;
- the issuer code is the issuing body's credit code;
- the serial is chosen by the issuer: here 1 to 32 digits or upper-case letters;
- the version has 3 digits, from 001;
- the check character is ISO 7064 MOD 37,36 over the type code, issuer code,
  serial and version written one after the other, without the root and
  without the dots. *(inferred)* The standard names the check system; which
  characters it covers was read from identifiers published by issuing
  systems, whose check characters match this reading and not one that
  includes the root (see the tests).

Input is trimmed and upper-cased before it is checked, so a typed or scanned
identifier in lower case is accepted; what is built is always upper case.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from yiwang.platform.errors import ErrorDetail, InvalidInput
from yiwang.policy.identity.codes import parse_credit_code
from yiwang.runtime.certificates import iso7064
from yiwang.runtime.certificates.errors import IdentifierInvalid

ROOT: Final = "1.2.156.3005.2"
_ROOT_SEGMENTS: Final = tuple(ROOT.split("."))
_SEGMENTS: Final = len(_ROOT_SEGMENTS) + 5
_SEQUENCE = re.compile(r"^[0-9]{3}$")
_SERIAL = re.compile(r"^[0-9A-Z]{1,32}$")
_VERSION = re.compile(r"^(?!000)[0-9]{3}$")


@dataclass(frozen=True)
class LicenseIdentifier:
    """A valid identifier, by segment; `str()` gives the dotted form."""

    license_type_code: str
    issuer_code: str
    serial: str
    version: str
    check: str

    @property
    def defining_body_code(self) -> str:
        """The credit code of the body that defined the licence type."""
        return self.license_type_code[:18]

    @property
    def version_number(self) -> int:
        return int(self.version)

    def __str__(self) -> str:
        return ".".join(
            (ROOT, self.license_type_code, self.issuer_code, self.serial, self.version, self.check)
        )


def check_input(license_type_code: str, issuer_code: str, serial: str, version: str) -> str:
    """The characters the check character is computed over (see the module docstring)."""
    return f"{license_type_code}{issuer_code}{serial}{version}"


def _credit_problems(segment: str, code: str, pointer: str) -> list[ErrorDetail]:
    try:
        parse_credit_code(segment, pointer=pointer)
    except InvalidInput as exc:
        return [ErrorDetail(code, pointer, {"segment": segment}), *exc.details]
    return []


def _segment_problems(
    license_type_code: str, issuer_code: str, serial: str, version: str, pointer: str
) -> list[ErrorDetail]:
    problems: list[ErrorDetail] = []
    type_code = "certificates.identifier.type_code"
    if len(license_type_code) != 21 or not _SEQUENCE.match(license_type_code[18:]):
        problems.append(ErrorDetail(type_code, pointer, {"segment": license_type_code}))
    else:
        problems += _credit_problems(license_type_code[:18], type_code, pointer)
    problems += _credit_problems(issuer_code, "certificates.identifier.issuer_code", pointer)
    if not _SERIAL.match(serial):
        problems.append(ErrorDetail("certificates.identifier.serial", pointer, {"segment": serial}))
    if not _VERSION.match(version):
        problems.append(
            ErrorDetail("certificates.identifier.version", pointer, {"segment": version})
        )
    return problems


def _raise(identifier: str, pointer: str, problems: list[ErrorDetail]) -> None:
    raise IdentifierInvalid(
        "certificates.identifier_invalid", pointer=pointer, details=problems, identifier=identifier
    )


def format_version(version: int | str) -> str:
    """A version as its 3 digits: 1 -> "001"; a string is taken as written."""
    if isinstance(version, int):
        return f"{version:03d}" if 0 <= version <= 999 else str(version)
    return version.strip()


def build_identifier(
    license_type_code: str,
    issuer_code: str,
    serial: str,
    version: int | str = 1,
    *,
    pointer: str = "/license_identifier",
) -> LicenseIdentifier:
    """The identifier of these segments with its check character, or `IdentifierInvalid`.

    Segments are trimmed and upper-cased; credit codes must pass their GB 32100 check.
    """
    type_code = license_type_code.strip().upper()
    issuer = issuer_code.strip().upper()
    serial_ = serial.strip().upper()
    version_ = format_version(version)
    problems = _segment_problems(type_code, issuer, serial_, version_, pointer)
    if problems:
        _raise(".".join((ROOT, type_code, issuer, serial_, version_, "?")), pointer, problems)
    check = iso7064.check_character(check_input(type_code, issuer, serial_, version_))
    return LicenseIdentifier(type_code, issuer, serial_, version_, check)


def parse_identifier(value: str, *, pointer: str = "/license_identifier") -> LicenseIdentifier:
    """A valid identifier from its dotted form, or `IdentifierInvalid` naming every problem."""
    text = value.strip().upper()
    segments = text.split(".")
    if len(segments) != _SEGMENTS:
        _raise(text, pointer, [ErrorDetail("certificates.identifier.format", pointer)])
    if tuple(segments[: len(_ROOT_SEGMENTS)]) != _ROOT_SEGMENTS:
        _raise(text, pointer, [ErrorDetail("certificates.identifier.root", pointer)])
    type_code, issuer, serial, version, check = segments[len(_ROOT_SEGMENTS) :]
    problems = _segment_problems(type_code, issuer, serial, version, pointer)
    if not problems:
        expected = iso7064.check_character(check_input(type_code, issuer, serial, version))
        if check != expected:
            problems.append(
                ErrorDetail("certificates.identifier.check_character", pointer, {"segment": check})
            )
    if problems:
        _raise(text, pointer, problems)
    return LicenseIdentifier(type_code, issuer, serial, version, check)


def is_valid_identifier(value: str) -> bool:
    try:
        parse_identifier(value)
    except IdentifierInvalid:
        return False
    return True
