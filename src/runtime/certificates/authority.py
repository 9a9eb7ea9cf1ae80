"""The certificate authority: the one object that holds the signing key.

Built once per process from the settings (`CertificateAuthority.from_settings`),
it issues (sign, then render), revokes (sign the record, re-render marked 已注销)
and verifies with the public key set. Everything it returns is bytes ready
for object storage (see `archive`) plus the typed values a service records.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from yiwang.runtime.certificates.document import Certificate
from yiwang.runtime.certificates.envelopes import (
    SignedCertificate,
    SignedRevocation,
    apply_revocation,
    revoke,
    sign_certificate,
)
from yiwang.runtime.certificates.fonts import FontSpec, find_font, load_font
from yiwang.runtime.certificates.keys import load_public_keys, load_signer
from yiwang.runtime.certificates.rendering import render_pdf, verify_url
from yiwang.runtime.certificates.settings import CertificateSettings
from yiwang.runtime.certificates.signing import PublicKeySet, Signer
from yiwang.runtime.certificates.verification import Verification, verify_certificate


@dataclass(frozen=True)
class IssuedCertificate:
    certificate: Certificate
    signed: SignedCertificate
    #: canonical JSON of {"certificate", "signature"}: store as `certificate.json`
    signed_json: bytes
    #: the rendered licence: store as `certificate.pdf`
    pdf: bytes
    #: what the QR code carries
    verify_url: str

    @property
    def identifier(self) -> str:
        return self.certificate.license_identifier


@dataclass(frozen=True)
class RevokedCertificate:
    revocation: SignedRevocation
    #: canonical JSON of {"revocation", "signature"}: store as `revocation.json`
    revocation_json: bytes
    #: the certificate as its record now reads (注销, cancel reason, change appended)
    certificate: Certificate
    #: the licence re-rendered with the 已注销 mark: replaces `certificate.pdf`
    pdf: bytes

    @property
    def identifier(self) -> str:
        return self.certificate.license_identifier


class CertificateAuthority:
    def __init__(
        self, signer: Signer, public_keys: PublicKeySet, font: FontSpec, verify_url_template: str
    ) -> None:
        self.signer = signer
        self.public_keys = public_keys.with_key(signer.public_key())
        self.font = font
        self.verify_url_template = verify_url_template

    @classmethod
    def from_settings(cls, settings: CertificateSettings) -> CertificateAuthority:
        """Load the key, the key set and the font; refuses what production must configure."""
        settings.check()
        signer = load_signer(settings)
        font = find_font(settings)
        load_font(font)  # fail at start-up, not at the first issue
        return cls(signer, load_public_keys(settings, signer), font, settings.verify_url)

    def verify_url(self, identifier: str) -> str:
        return verify_url(self.verify_url_template, identifier)

    def render(self, certificate: Certificate) -> bytes:
        return render_pdf(
            certificate,
            verify_address=self.verify_url(certificate.license_identifier),
            font=self.font,
        )

    def issue(self, certificate: Certificate) -> IssuedCertificate:
        """Sign and render a certificate (built by `templates.build_certificate`)."""
        signed = sign_certificate(certificate, self.signer)
        document = signed.document()
        return IssuedCertificate(
            certificate=document,
            signed=signed,
            signed_json=signed.to_json(),
            pdf=self.render(document),
            verify_url=self.verify_url(document.license_identifier),
        )

    def revoke(
        self, signed: SignedCertificate | bytes, *, reason: str, actor: str, at: datetime
    ) -> RevokedCertificate:
        envelope = (
            signed if isinstance(signed, SignedCertificate) else SignedCertificate.from_json(signed)
        )
        revocation = revoke(envelope, reason=reason, actor=actor, at=at, signer=self.signer)
        updated = apply_revocation(envelope.document(), revocation.record())
        return RevokedCertificate(
            revocation=revocation,
            revocation_json=revocation.to_json(),
            certificate=updated,
            pdf=self.render(updated),
        )

    def verify(
        self,
        signed: bytes | SignedCertificate,
        *,
        today: date,
        identifier: str | None = None,
        revocations: Iterable[bytes | SignedRevocation] = (),
    ) -> Verification:
        return verify_certificate(
            signed, self.public_keys, today=today, identifier=identifier, revocations=revocations
        )

    def public_keys_json(self) -> bytes:
        """The JWK Set to publish (e.g. at /api/v1/certificates/keys) for offline verifiers."""
        return self.public_keys.to_json()
