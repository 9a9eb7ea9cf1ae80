"""Where issued certificates live in object storage, through the kernel's `ObjectStorage`.

    certificates/<identifier>/certificate.json   signed certificate (canonical JSON)
    certificates/<identifier>/certificate.pdf    the rendered licence
    certificates/<identifier>/revocation.json    signed revocation, once cancelled

The identifier alone addresses a certificate (it holds the issuer's credit
code), so a public verification URL needs no tenant. The JSON is written
last: a certificate exists once its JSON does, and a failed write removes
what was written before it. Whether a revocation may be stored is decided by
the caller's transaction (the database row); `store_revocation` only refuses
to overwrite one.
"""

from __future__ import annotations

from dataclasses import dataclass

from yiwang.platform.errors import NotFound
from yiwang.platform.storage import ObjectStorage, StoredObject
from yiwang.runtime.certificates.authority import IssuedCertificate, RevokedCertificate
from yiwang.runtime.certificates.envelopes import SignedRevocation
from yiwang.runtime.certificates.errors import AlreadyRevoked
from yiwang.runtime.certificates.identifier import parse_identifier
from yiwang.runtime.certificates.rendering import format_time

JSON = "application/json"
PDF = "application/pdf"


@dataclass(frozen=True)
class ArchiveKeys:
    certificate: str
    pdf: str
    revocation: str


def archive_keys(identifier: str) -> ArchiveKeys:
    """The object keys of a certificate; a malformed identifier is refused first."""
    prefix = f"certificates/{parse_identifier(identifier)}"
    return ArchiveKeys(
        certificate=f"{prefix}/certificate.json",
        pdf=f"{prefix}/certificate.pdf",
        revocation=f"{prefix}/revocation.json",
    )


async def store_issued(storage: ObjectStorage, issued: IssuedCertificate) -> list[StoredObject]:
    keys = archive_keys(issued.identifier)
    pdf = await storage.put(keys.pdf, issued.pdf, PDF)
    try:
        document = await storage.put(keys.certificate, issued.signed_json, JSON)
    except BaseException:
        await storage.delete(keys.pdf)
        raise
    return [document, pdf]


async def load_signed(storage: ObjectStorage, identifier: str) -> bytes:
    """The signed certificate's bytes, or `NotFound("certificates.not_found")`."""
    keys = archive_keys(identifier)
    try:
        return await storage.get(keys.certificate)
    except NotFound:
        raise NotFound("certificates.not_found", identifier=identifier) from None


async def load_revocations(storage: ObjectStorage, identifier: str) -> list[bytes]:
    keys = archive_keys(identifier)
    try:
        return [await storage.get(keys.revocation)]
    except NotFound:
        return []


async def store_revocation(
    storage: ObjectStorage, revoked: RevokedCertificate
) -> list[StoredObject]:
    """Store the signed revocation, then replace the PDF with its 已注销 rendering."""
    keys = archive_keys(revoked.identifier)
    existing = await load_revocations(storage, revoked.identifier)
    if existing:
        record = SignedRevocation.from_json(existing[0]).record()
        raise AlreadyRevoked(
            "certificates.already_revoked",
            identifier=revoked.identifier,
            time=format_time(record.revoked_at),
        )
    stored = await storage.put(keys.revocation, revoked.revocation_json, JSON)
    return [stored, await storage.put(keys.pdf, revoked.pdf, PDF)]
