"""Signed certificates and signed revocations, as stored and exchanged.

    {"certificate": {...the document...}, "signature": {"protected": ..., "signature": ...}}
    {"revocation": {...the record...},    "signature": {"protected": ..., "signature": ...}}

Both are written as canonical JSON. The signature covers the canonical JSON
of the inner document (see `signing`); the header's `typ` says which of the
two was signed, so one can never pass for the other. A revocation names the
SHA-256 of the exact certificate it cancels.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Annotated, Any, Final

import msgspec

from yiwang.metadata.documents.hashing import canonical_json
from yiwang.runtime.certificates.document import (
    CANCELLED,
    AwareDatetime,
    Certificate,
    Change,
    convert_certificate,
    error_pointer,
    validate_certificate,
)
from yiwang.runtime.certificates.errors import AlreadyRevoked, CertificateInvalid
from yiwang.runtime.certificates.rendering import format_time
from yiwang.runtime.certificates.signing import Signature, Signer, sign

CERTIFICATE_TYP: Final = "yiwang-certificate+json"
REVOCATION_TYP: Final = "yiwang-revocation+json"


def _decode(data: bytes, kind: type[Any], code: str) -> Any:
    try:
        return msgspec.json.decode(data, type=kind)
    except (msgspec.DecodeError, msgspec.ValidationError) as exc:
        raise CertificateInvalid(code, detail="/") from exc


class SignedCertificate(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    #: the document as JSON values, kept as read so its canonical bytes are what was signed
    certificate: dict[str, Any]
    signature: Signature

    def payload(self) -> bytes:
        return canonical_json(self.certificate)

    def sha256(self) -> str:
        return hashlib.sha256(self.payload()).hexdigest()

    def document(self) -> Certificate:
        return convert_certificate(self.certificate, pointer="/certificate")

    def to_json(self) -> bytes:
        return canonical_json(msgspec.to_builtins(self))

    @classmethod
    def from_json(cls, data: bytes) -> SignedCertificate:
        signed: SignedCertificate = _decode(data, cls, "certificates.document_invalid")
        return signed


def sign_certificate(certificate: Certificate, signer: Signer) -> SignedCertificate:
    """The checked certificate with its signature."""
    checked = validate_certificate(certificate)
    value = checked.as_json()
    return SignedCertificate(
        certificate=value, signature=sign(canonical_json(value), signer, CERTIFICATE_TYP)
    )


class Revocation(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """注销: who cancelled which certificate, when and why."""

    license_identifier: Annotated[str, msgspec.Meta(min_length=1, max_length=128)]
    certificate_sha256: Annotated[str, msgspec.Meta(pattern="^[0-9a-f]{64}$")]
    reason: Annotated[str, msgspec.Meta(min_length=1, max_length=1000)]
    revoked_at: AwareDatetime
    actor: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]

    def as_json(self) -> dict[str, Any]:
        value: dict[str, Any] = msgspec.json.decode(msgspec.json.encode(self))
        return value


class SignedRevocation(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    revocation: dict[str, Any]
    signature: Signature

    def payload(self) -> bytes:
        return canonical_json(self.revocation)

    def record(self) -> Revocation:
        try:
            return msgspec.convert(self.revocation, Revocation)
        except msgspec.ValidationError as exc:
            where = "/revocation" + error_pointer(exc)
            raise CertificateInvalid("certificates.revocation_invalid", detail=where) from exc

    def to_json(self) -> bytes:
        return canonical_json(msgspec.to_builtins(self))

    @classmethod
    def from_json(cls, data: bytes) -> SignedRevocation:
        signed: SignedRevocation = _decode(data, cls, "certificates.revocation_invalid")
        return signed


def revoke(
    signed: SignedCertificate, *, reason: str, actor: str, at: datetime, signer: Signer
) -> SignedRevocation:
    """The signed revocation of `signed`; refuses a certificate that is already cancelled."""
    certificate = signed.document()
    if certificate.cert_status == CANCELLED:
        when = format_time(certificate.changes[-1].change_time) if certificate.changes else ""
        raise AlreadyRevoked(
            "certificates.already_revoked", identifier=certificate.license_identifier, time=when
        )
    if not reason.strip():
        raise CertificateInvalid("certificates.revocation.reason_required", pointer="/reason")
    if not actor.strip():
        raise CertificateInvalid("certificates.revocation.actor_required", pointer="/actor")
    try:
        record = msgspec.convert(
            {
                "license_identifier": certificate.license_identifier,
                "certificate_sha256": signed.sha256(),
                "reason": reason.strip(),
                "revoked_at": at,
                "actor": actor.strip(),
            },
            Revocation,
            builtin_types=(datetime,),
        )
    except msgspec.ValidationError as exc:
        where = error_pointer(exc) or "/"
        raise CertificateInvalid(
            "certificates.revocation_invalid", pointer=where, detail=where
        ) from exc
    value = record.as_json()
    return SignedRevocation(
        revocation=value, signature=sign(canonical_json(value), signer, REVOCATION_TYP)
    )


def apply_revocation(certificate: Certificate, revocation: Revocation) -> Certificate:
    """The certificate as its record reads after `revocation`: 注销, with the change noted."""
    change = Change(change_time=revocation.revoked_at, change_reason=revocation.reason)
    return msgspec.structs.replace(
        certificate,
        cert_status=CANCELLED,
        cancel_reason=revocation.reason,
        changes=(*certificate.changes, change),
    )
