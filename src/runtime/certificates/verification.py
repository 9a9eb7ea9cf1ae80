"""Verification of a signed certificate, offline, from the public key set alone.

The verdict is one of: valid, revoked (with reason and time), expired, not yet
valid, signature invalid, unknown key, identifier invalid; each has its
message in the catalogue (`certificates.verify.<verdict>`). The checks run in
the order a forger would be caught:

1. the identifier asked for (from the URL or the QR code) must be well formed;
2. the stored bytes must be a signed certificate whose header we can read;
3. its key id must be in the key set (else unknown key);
4. the signature must cover the document (else signature invalid);
5. the document's own identifier must be valid, match its type and issuer
   codes, and be the one asked for;
6. every revocation offered must carry a good signature of ours (a tampered
   one fails the whole verification rather than being ignored) and, if it
   names this identifier, the certificate is revoked; so is a document
   signed as 注销;
7. the validity dates decide between valid, expired and not yet valid.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from yiwang.platform.i18n import translate
from yiwang.runtime.certificates.document import (
    CANCELLED,
    Certificate,
    certificate_problems,
)
from yiwang.runtime.certificates.envelopes import (
    CERTIFICATE_TYP,
    REVOCATION_TYP,
    Revocation,
    SignedCertificate,
    SignedRevocation,
)
from yiwang.runtime.certificates.errors import CertificateInvalid, IdentifierInvalid
from yiwang.runtime.certificates.identifier import parse_identifier
from yiwang.runtime.certificates.rendering import format_date, format_time
from yiwang.runtime.certificates.signing import PublicKeySet, Signature, check, read_header


class Verdict(enum.StrEnum):
    VALID = "valid"
    REVOKED = "revoked"
    EXPIRED = "expired"
    NOT_YET_VALID = "not_yet_valid"
    SIGNATURE_INVALID = "signature_invalid"
    UNKNOWN_KEY = "unknown_key"
    IDENTIFIER_INVALID = "identifier_invalid"


@dataclass(frozen=True)
class Verification:
    """What a verifier concluded; `certificate` is set only once its signature held."""

    verdict: Verdict
    identifier: str
    certificate: Certificate | None = None
    revocation: Revocation | None = None
    kid: str | None = None
    #: why, for logs: the code of the problem behind a negative verdict
    reason_code: str | None = None

    @property
    def code(self) -> str:
        return f"certificates.verify.{self.verdict.value}"

    @property
    def is_valid(self) -> bool:
        return self.verdict is Verdict.VALID

    def params(self) -> dict[str, Any]:
        params: dict[str, Any] = {
            "identifier": self.identifier[:128],
            "kid": (self.kid or "")[:64],
        }
        cert = self.certificate
        if cert is not None:
            params.update(
                license_name=cert.license_name,
                license_number=cert.license_number,
                holder_name=cert.holder_name,
                issuer_name=cert.issuer_name,
                valid_from=format_date(cert.valid_from),
                valid_to=format_date(cert.valid_to) if cert.valid_to else "",
            )
        if self.revocation is not None:
            params.update(
                reason=self.revocation.reason, time=format_time(self.revocation.revoked_at)
            )
        elif cert is not None and cert.cert_status == CANCELLED:
            last = cert.changes[-1].change_time if cert.changes else None
            params.update(reason=cert.cancel_reason or "", time=format_time(last) if last else "")
        return params

    def message(self, locale: str = "zh-CN") -> str:
        return translate(self.code, locale, **self.params())

    def summary(self) -> dict[str, Any] | None:
        """What a public verification page may show: no face content, no holder code."""
        cert = self.certificate
        if cert is None:
            return None
        return {
            "license_name": cert.license_name,
            "license_number": cert.license_number,
            "license_identifier": cert.license_identifier,
            "holder_name": cert.holder_name,
            "issuer_name": cert.issuer_name,
            "issue_date": cert.issue_date.isoformat(),
            "valid_from": cert.valid_from.isoformat(),
            "valid_to": cert.valid_to.isoformat() if cert.valid_to else None,
        }

    def as_dict(self, locale: str = "zh-CN") -> dict[str, Any]:
        out: dict[str, Any] = {
            "verdict": self.verdict.value,
            "code": self.code,
            "message": self.message(locale),
            "identifier": self.identifier,
            "certificate": self.summary(),
        }
        if self.revocation is not None:
            out["revocation"] = {
                "reason": self.revocation.reason,
                "revoked_at": self.revocation.revoked_at.isoformat(),
            }
        return out


def _signature_holds(
    payload: bytes, signature: Signature, keys: PublicKeySet, typ: str
) -> tuple[Verdict | None, str | None, str]:
    """(None, kid, "") when good, else (verdict, kid, reason code)."""
    header = read_header(signature)
    if header is None or header.typ != typ:
        return Verdict.SIGNATURE_INVALID, None, "certificates.verify.header_invalid"
    key = keys.get(header.kid)
    if key is None:
        return Verdict.UNKNOWN_KEY, header.kid, "certificates.verify.unknown_key"
    if not check(payload, signature, key, header):
        return Verdict.SIGNATURE_INVALID, header.kid, "certificates.verify.signature_invalid"
    return None, header.kid, ""


def _revocations(
    offered: Iterable[bytes | SignedRevocation], keys: PublicKeySet
) -> tuple[list[Revocation], str | None]:
    """The revocations that carry a good signature; a reason code if any does not."""
    records: list[Revocation] = []
    for item in offered:
        try:
            signed = (
                item if isinstance(item, SignedRevocation) else SignedRevocation.from_json(item)
            )
            verdict, _, reason = _signature_holds(
                signed.payload(), signed.signature, keys, REVOCATION_TYP
            )
            if verdict is not None:
                return records, reason
            records.append(signed.record())
        except CertificateInvalid:
            return records, "certificates.revocation_invalid"
    return records, None


def verify_certificate(
    signed: bytes | SignedCertificate,
    keys: PublicKeySet,
    *,
    today: date,
    identifier: str | None = None,
    revocations: Iterable[bytes | SignedRevocation] = (),
) -> Verification:
    """Verify `signed` (its stored bytes or the parsed envelope) on `today`."""
    asked = (identifier or "").strip().upper()
    if identifier is not None:
        try:
            parse_identifier(asked)
        except IdentifierInvalid:
            return Verification(
                Verdict.IDENTIFIER_INVALID, asked, reason_code="certificates.identifier_invalid"
            )
    try:
        envelope = (
            signed if isinstance(signed, SignedCertificate) else SignedCertificate.from_json(signed)
        )
    except CertificateInvalid:
        return Verification(
            Verdict.SIGNATURE_INVALID, asked, reason_code="certificates.document_invalid"
        )
    verdict, kid, reason = _signature_holds(
        envelope.payload(), envelope.signature, keys, CERTIFICATE_TYP
    )
    if verdict is not None:
        return Verification(verdict, asked, kid=kid, reason_code=reason)
    try:
        certificate = envelope.document()
    except CertificateInvalid:
        return Verification(
            Verdict.IDENTIFIER_INVALID, asked, kid=kid, reason_code="certificates.document_invalid"
        )
    own = certificate.license_identifier
    problems = certificate_problems(certificate)
    if problems or (identifier is not None and own != asked):
        code = problems[0].code if problems else "certificates.verify.identifier_mismatch"
        return Verification(Verdict.IDENTIFIER_INVALID, asked or own, kid=kid, reason_code=code)
    records, bad = _revocations(revocations, keys)
    if bad is not None:
        return Verification(Verdict.SIGNATURE_INVALID, own, kid=kid, reason_code=bad)
    for record in records:
        if record.license_identifier == own:
            return Verification(Verdict.REVOKED, own, certificate, record, kid)
    if certificate.cert_status == CANCELLED:
        return Verification(Verdict.REVOKED, own, certificate, kid=kid)
    if today < certificate.valid_from:
        return Verification(Verdict.NOT_YET_VALID, own, certificate, kid=kid)
    if certificate.valid_to is not None and today > certificate.valid_to:
        return Verification(Verdict.EXPIRED, own, certificate, kid=kid)
    return Verification(Verdict.VALID, own, certificate, kid=kid)
