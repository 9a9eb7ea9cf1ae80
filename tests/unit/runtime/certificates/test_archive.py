"""Storing issued and revoked certificates through the kernel's object storage
(the local backend, on a temporary directory)."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest

from yiwang.platform.errors import NotFound, ServiceUnavailable
from yiwang.platform.storage import LocalStorage
from yiwang.runtime.certificates.archive import (
    archive_keys,
    load_revocations,
    load_signed,
    store_issued,
    store_revocation,
)
from yiwang.runtime.certificates.authority import CertificateAuthority
from yiwang.runtime.certificates.document import Certificate
from yiwang.runtime.certificates.errors import AlreadyRevoked, IdentifierInvalid
from yiwang.runtime.certificates.verification import Verdict

from .conftest import CST

WHEN = datetime(2027, 2, 10, 9, 5, tzinfo=CST)


def test_keys_are_addressed_by_the_identifier_alone(certificate: Certificate) -> None:
    keys = archive_keys(certificate.license_identifier.lower())
    prefix = f"certificates/{certificate.license_identifier}"
    assert (keys.certificate, keys.pdf, keys.revocation) == (
        f"{prefix}/certificate.json",
        f"{prefix}/certificate.pdf",
        f"{prefix}/revocation.json",
    )
    with pytest.raises(IdentifierInvalid):
        archive_keys("../../etc/passwd")


async def test_issue_store_load_verify_revoke(
    tmp_path: Path, authority: CertificateAuthority, certificate: Certificate
) -> None:
    storage = LocalStorage(tmp_path)
    issued = authority.issue(certificate)
    stored = await store_issued(storage, issued)
    assert [s.content_type for s in stored] == ["application/json", "application/pdf"]
    data = await load_signed(storage, issued.identifier)
    assert data == issued.signed_json
    today = date(2027, 3, 1)
    revocations = await load_revocations(storage, issued.identifier)
    assert authority.verify(data, today=today, revocations=revocations).verdict is Verdict.VALID

    revoked = authority.revoke(data, reason="歇业", actor="li", at=WHEN)
    await store_revocation(storage, revoked)
    revocations = await load_revocations(storage, issued.identifier)
    result = authority.verify(
        data, today=today, identifier=issued.identifier, revocations=revocations
    )
    assert result.verdict is Verdict.REVOKED
    assert await storage.get(archive_keys(issued.identifier).pdf) == revoked.pdf

    again = authority.revoke(data, reason="again", actor="li", at=WHEN)
    with pytest.raises(AlreadyRevoked) as exc:
        await store_revocation(storage, again)
    assert "2027年2月10日 09:05" in exc.value.message()


async def test_an_unknown_identifier_is_not_found(
    tmp_path: Path, authority: CertificateAuthority, certificate: Certificate
) -> None:
    with pytest.raises(NotFound) as exc:
        await load_signed(LocalStorage(tmp_path), certificate.license_identifier)
    assert exc.value.code == "certificates.not_found"


async def test_a_failed_write_leaves_nothing_behind(
    tmp_path: Path, authority: CertificateAuthority, certificate: Certificate
) -> None:
    storage = LocalStorage(tmp_path)
    issued = authority.issue(certificate)
    keys = archive_keys(issued.identifier)
    (tmp_path / keys.certificate).mkdir(parents=True)  # the JSON cannot be written there
    with pytest.raises(ServiceUnavailable):
        await store_issued(storage, issued)
    assert not await storage.exists(keys.pdf)
