"""The certificate document: the metadata of GB/T 36903 as one typed value.

Field names are those of the base model's `certificate` item type
(`tenant_templates/base/types/certificate.yaml`), so a document is also the
typed part of a `certificate` record. Its canonical JSON (sorted keys, no
insignificant white space, UTF-8, every field present, `null` where empty) is
what gets signed; there are no floating-point numbers in it, so decoding and
re-encoding gives the same bytes in any language (RFC 8785 agrees on this
value space).
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any, Final, Literal

import msgspec

from yiwang.metadata.documents.hashing import canonical_json
from yiwang.platform.errors import ErrorDetail
from yiwang.policy.identity.codes import is_valid_credit_code, is_valid_resident_id
from yiwang.runtime.certificates.errors import CertificateInvalid, IdentifierInvalid
from yiwang.runtime.certificates.identifier import parse_identifier

CURRENT: Final = "current"
CANCELLED: Final = "cancelled"
#: the labels of the base model's `certificate_status` code list
STATUS_LABELS: Final = {CURRENT: "现势", CANCELLED: "注销"}
_AREA = re.compile(r"^[0-9]{6}$")

Text100 = Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
Text200 = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
OptionalText100 = Annotated[str, msgspec.Meta(max_length=100)] | None
TypeCode = Annotated[str, msgspec.Meta(pattern=r"^[0-9A-HJ-NPQRTUWXY]{18}[0-9]{3}$")]
CreditCode = Annotated[str, msgspec.Meta(pattern=r"^[0-9A-HJ-NPQRTUWXY]{18}$")]
CodeValue = Annotated[str, msgspec.Meta(pattern=r"^[A-Za-z0-9_]{1,64}$")]
AwareDatetime = Annotated[datetime, msgspec.Meta(tz=True)]


class FaceItem(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """One line of the face content (照面信息): what the licence shows, as printed."""

    item: Text100
    value: Annotated[str, msgspec.Meta(min_length=1, max_length=2000)]


class Change(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """One entry of the change history: when and why the status changed."""

    change_time: AwareDatetime
    change_reason: Annotated[str, msgspec.Meta(min_length=1, max_length=500)]


class Certificate(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """An electronic licence's data, as issued (and as signed)."""

    license_name: Text200
    license_type_name: Text200
    license_type_code: TypeCode
    license_number: Text100
    license_identifier: Annotated[str, msgspec.Meta(min_length=1, max_length=128)]
    issuer_name: Text100
    issuer_code: CreditCode
    issue_date: date
    holder_name: Text200
    holder_code_type: CodeValue
    holder_code: Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
    valid_from: date
    valid_to: date | None = None
    area_code: Annotated[str, msgspec.Meta(min_length=1, max_length=12)]
    face_content: tuple[FaceItem, ...] = ()
    seal_name: OptionalText100 = None
    seal_by: OptionalText100 = None
    seal_time: AwareDatetime | None = None
    cert_status: Literal["current", "cancelled"] = "current"
    cancel_reason: Annotated[str, msgspec.Meta(max_length=1000)] | None = None
    changes: tuple[Change, ...] = ()
    application: Annotated[str, msgspec.Meta(max_length=128)] | None = None

    def as_json(self) -> dict[str, Any]:
        """The document as JSON values (dates as ISO strings, lists for tuples)."""
        value: dict[str, Any] = msgspec.json.decode(msgspec.json.encode(self))
        return value

    def canonical_bytes(self) -> bytes:
        """What is signed and stored: the canonical JSON of `as_json()`."""
        return canonical_json(self.as_json())


def error_pointer(error: msgspec.ValidationError) -> str:
    """`... - at `$.face_content[0].value`` -> `/face_content/0/value`."""
    match = re.search(r"at `\$([^`]*)`", str(error))
    if not match:
        return ""
    path = re.sub(r"\[(\d+)\]", r".\1", match.group(1))
    return "/" + "/".join(p for p in path.split(".") if p) if path else ""


def convert_certificate(value: Any, *, pointer: str = "") -> Certificate:
    """A `Certificate` from JSON values (a decoded document), constraints checked."""
    try:
        return msgspec.convert(value, Certificate)
    except msgspec.ValidationError as exc:
        where = pointer + error_pointer(exc)
        raise CertificateInvalid(
            "certificates.document_invalid", pointer=where or None, detail=where or "/"
        ) from exc


def certificate_problems(certificate: Certificate) -> list[ErrorDetail]:
    """What makes a well-typed document inconsistent, each with its pointer."""
    problems: list[ErrorDetail] = []
    try:
        identifier = parse_identifier(certificate.license_identifier)
    except IdentifierInvalid as exc:
        problems += exc.details or [ErrorDetail(exc.code, "/license_identifier", exc.params)]
    else:
        pairs = (
            ("license_type_code", identifier.license_type_code),
            ("issuer_code", identifier.issuer_code),
        )
        for field, expected in pairs:
            if getattr(certificate, field) != expected:
                problems.append(
                    ErrorDetail(f"certificates.document.{field}_mismatch", f"/{field}", {})
                )
    if certificate.valid_to is not None and certificate.valid_to < certificate.valid_from:
        problems.append(
            ErrorDetail(
                "certificates.document.validity_order",
                "/valid_to",
                {"valid_from": certificate.valid_from, "valid_to": certificate.valid_to},
            )
        )
    holder_checks = {"credit_code": is_valid_credit_code, "id_card": is_valid_resident_id}
    check = holder_checks.get(certificate.holder_code_type)
    if check is not None and not check(certificate.holder_code):
        problems.append(
            ErrorDetail(
                f"certificates.document.holder_{certificate.holder_code_type}",
                "/holder_code",
                {"value": certificate.holder_code},
            )
        )
    if not _AREA.match(certificate.area_code):
        problems.append(
            ErrorDetail(
                "certificates.document.area_code", "/area_code", {"value": certificate.area_code}
            )
        )
    if certificate.cert_status == CANCELLED and not certificate.cancel_reason:
        problems.append(ErrorDetail("certificates.document.cancel_reason", "/cancel_reason", {}))
    return problems


def validate_certificate(certificate: Certificate) -> Certificate:
    """The certificate, its constraints and consistency checked; or `CertificateInvalid`."""
    checked = convert_certificate(certificate.as_json())
    problems = certificate_problems(checked)
    if problems:
        first = problems[0]
        raise CertificateInvalid(
            "certificates.document_invalid",
            pointer=first.pointer,
            details=problems,
            detail=first.pointer or "/",
        )
    return checked
