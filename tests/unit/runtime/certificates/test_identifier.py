"""Licence identifiers (GB/T 36904): building, parsing and every way one can be wrong."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from yiwang.policy.identity.codes import CREDIT_CODE_ALPHABET, credit_code_check_char
from yiwang.runtime.certificates.errors import IdentifierInvalid
from yiwang.runtime.certificates.identifier import (
    ROOT,
    build_identifier,
    is_valid_identifier,
    parse_identifier,
)
from yiwang.runtime.certificates.iso7064 import check_character

from .conftest import ISSUER_CODE

TYPE_CODE = "11100000MB0143028R002"

# Identifiers published by issuing systems (住房和城乡建设部's licence types, a
# provincial project file). Their check characters follow MOD 37,36 over type
# code + issuer code + serial + version, without the root and without dots,
# which is how `identifier` reads "the concatenated segments".
PUBLISHED = [
    "1.2.156.3005.2.11100000000013338W011.11430000006122244L.20230000403.001.U",
    "1.2.156.3005.2.11100000000013338W009.11330105002500287C.2025052201.002.0",
]


@pytest.mark.parametrize("identifier", PUBLISHED)
def test_published_identifiers_parse(identifier: str) -> None:
    parsed = parse_identifier(identifier)
    assert str(parsed) == identifier
    body = "".join(identifier.split(".")[5:-1])
    with_root = "".join(identifier.split(".")[:-1])
    assert check_character(body) == parsed.check
    # the other reading, root included, would give another character for both
    assert check_character(with_root) != parsed.check


def test_build_gives_the_dotted_form_with_its_check_character() -> None:
    built = build_identifier(TYPE_CODE, ISSUER_CODE, "JY26201020000123", 1)
    expected_check = check_character(f"{TYPE_CODE}{ISSUER_CODE}JY26201020000123001")
    assert str(built) == f"{ROOT}.{TYPE_CODE}.{ISSUER_CODE}.JY26201020000123.001.{expected_check}"
    assert built.defining_body_code == "11100000MB0143028R"
    assert built.version_number == 1
    assert parse_identifier(str(built)) == built


def test_input_is_trimmed_and_upper_cased() -> None:
    built = build_identifier(TYPE_CODE.lower(), f" {ISSUER_CODE.lower()} ", "jy7", "002")
    assert built.serial == "JY7" and built.version == "002"
    assert parse_identifier(f"  {str(built).lower()} ") == built


def _codes(exc: pytest.ExceptionInfo[IdentifierInvalid]) -> list[str]:
    return [d.code for d in exc.value.details]


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", "certificates.identifier.format"),
        ("1.2.156.3005.2", "certificates.identifier.format"),
        (f"1.2.156.3005.3.{TYPE_CODE}.{ISSUER_CODE}.A.001.0", "certificates.identifier.root"),
        (f"{ROOT}.{TYPE_CODE}.{ISSUER_CODE}.A.B.001.0", "certificates.identifier.format"),
        (f"{ROOT}.11100000MB0143028R02.{ISSUER_CODE}.A.001.0", "certificates.identifier.type_code"),
        (
            f"{ROOT}.11100000MB0143028RA02.{ISSUER_CODE}.A.001.0",
            "certificates.identifier.type_code",
        ),
        (
            f"{ROOT}.11100000MB0143028X002.{ISSUER_CODE}.A.001.0",
            "certificates.identifier.type_code",
        ),
        (f"{ROOT}.{TYPE_CODE}.11620102MB1234567C.A.001.0", "certificates.identifier.issuer_code"),
        (f"{ROOT}.{TYPE_CODE}.{ISSUER_CODE}.A-1.001.0", "certificates.identifier.serial"),
        (f"{ROOT}.{TYPE_CODE}.{ISSUER_CODE}.{'A' * 33}.001.0", "certificates.identifier.serial"),
        (f"{ROOT}.{TYPE_CODE}.{ISSUER_CODE}..001.0", "certificates.identifier.serial"),
        (f"{ROOT}.{TYPE_CODE}.{ISSUER_CODE}.A.000.0", "certificates.identifier.version"),
        (f"{ROOT}.{TYPE_CODE}.{ISSUER_CODE}.A.1.0", "certificates.identifier.version"),
    ],
)
def test_each_malformed_segment_has_its_code(text: str, code: str) -> None:
    with pytest.raises(IdentifierInvalid) as exc:
        parse_identifier(text)
    assert exc.value.code == "certificates.identifier_invalid"
    assert code in _codes(exc)
    assert exc.value.pointer == "/license_identifier"
    assert "GB/T 36904" in exc.value.message()


def test_a_wrong_check_character_is_named_and_the_right_one_is_not_disclosed() -> None:
    good = str(build_identifier(TYPE_CODE, ISSUER_CODE, "A1", 1))
    wrong = good[:-1] + ("0" if good[-1] != "0" else "1")
    with pytest.raises(IdentifierInvalid) as exc:
        parse_identifier(wrong)
    assert _codes(exc) == ["certificates.identifier.check_character"]
    message = exc.value.details[0].message()
    assert f"“{wrong[-1]}”" in message and f"“{good[-1]}”" not in message


def test_a_credit_code_failing_gb_32100_is_refused_with_the_identity_detail() -> None:
    with pytest.raises(IdentifierInvalid) as exc:
        build_identifier(TYPE_CODE, ISSUER_CODE[:-1] + "C", "A1")
    assert _codes(exc) == [
        "certificates.identifier.issuer_code",
        "identity.credit_code_check_char",
    ]


def test_every_problem_is_reported_at_once() -> None:
    with pytest.raises(IdentifierInvalid) as exc:
        build_identifier("111", "222", "a b", 1000)
    assert _codes(exc)[0] == "certificates.identifier.type_code"
    assert {
        "certificates.identifier.issuer_code",
        "certificates.identifier.serial",
        "certificates.identifier.version",
    } <= set(_codes(exc))


@st.composite
def credit_codes(draw: st.DrawFn) -> str:
    head = draw(st.text(alphabet=CREDIT_CODE_ALPHABET, min_size=2, max_size=2))
    division = draw(st.text(alphabet="0123456789", min_size=6, max_size=6))
    tail = draw(st.text(alphabet=CREDIT_CODE_ALPHABET, min_size=9, max_size=9))
    first17 = head + division + tail
    return first17 + credit_code_check_char(first17)


identifiers = st.builds(
    lambda definer, seq, issuer, serial, version: build_identifier(
        definer + seq, issuer, serial, version
    ),
    credit_codes(),
    st.text(alphabet="0123456789", min_size=3, max_size=3),
    credit_codes(),
    st.text(alphabet="0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=1, max_size=32),
    st.integers(min_value=1, max_value=999),
)


@settings(max_examples=100, derandomize=True, deadline=None)
@given(identifiers)
def test_built_identifiers_round_trip(identifier: object) -> None:
    text = str(identifier)
    assert parse_identifier(text) == identifier
    assert is_valid_identifier(text)


@settings(max_examples=40, derandomize=True, deadline=None)
@given(identifiers, st.data())
def test_any_single_character_change_outside_the_root_is_refused(
    identifier: object, data: st.DataObject
) -> None:
    text = str(identifier)
    positions = [j for j in range(len(ROOT) + 1, len(text)) if text[j] != "."]
    i = data.draw(st.sampled_from(positions))
    other = data.draw(
        st.sampled_from([c for c in "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ" if c != text[i]])
    )
    assert not is_valid_identifier(text[:i] + other + text[i + 1 :])
