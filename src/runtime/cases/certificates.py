"""E-licences of cases: issue on completion, verify publicly, revoke with a reason.

A case completed with 准予 whose business form has a certificate template gets
its licence at completion: built from the form data snapshot, signed and
rendered by the `CertificateAuthority` (the key never reaches the database),
stored as JSON and PDF in object storage under keys derived from the
identifier, and recorded in `case_certificates` in the completing unit of
work, audited. The objects are written after commit is certain to be tried;
a failed commit leaves objects no row names, and a failed write fails the unit.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from yiwang.metadata.versions.model_cache import ModelCache
from yiwang.platform.china_time import today_in_china
from yiwang.platform.errors import Conflict, InvalidInput, NotFound
from yiwang.platform.storage import ObjectStorage, S3Storage
from yiwang.platform.unit_of_work import UnitOfWork
from yiwang.runtime.cases.models import Case
from yiwang.runtime.cases.repository import CaseRepository
from yiwang.runtime.cases.schemas import Licence
from yiwang.runtime.certificates import archive
from yiwang.runtime.certificates.authority import CertificateAuthority
from yiwang.runtime.certificates.templates import build_certificate, certificate_template
from yiwang.tenants.tree import TenantTree


@dataclass(frozen=True)
class Verified:
    identifier: str
    verdict: str
    valid: bool
    message: str
    detail: dict[str, Any]


class CaseCertificates:
    def __init__(
        self,
        uow: UnitOfWork,
        tree: TenantTree,
        models: ModelCache,
        storage: ObjectStorage,
        authority: CertificateAuthority | None,
    ) -> None:
        self.uow = uow
        self.tree = tree
        self.models = models
        self.storage = storage
        self.authority = authority
        self.repo = CaseRepository(uow.session)

    @property
    def enabled(self) -> bool:
        return self.authority is not None

    async def issue_for(self, code: str, case: Case, serial: int, now: datetime) -> str | None:
        """Issue the licence of a granted, completed case; None when its form has none."""
        if self.authority is None:
            return None
        model = await self.models.effective(self.uow.session, self.tree, code)
        document = model.document(case.form_key)
        templates = document.get("certificates") or {}
        if not templates:
            return None
        key = sorted(templates)[0]
        template = certificate_template(document, key)
        if not case.issuer_code or not case.issuer_name:
            raise InvalidInput("cases.issuer_missing", pointer="/issuer_code")
        certificate = build_certificate(
            template,
            case.form_data,
            issuer_name=case.issuer_name,
            issuer_code=case.issuer_code,
            area_code=code,
            license_number=_licence_number(case.number),
            serial=identifier_serial(case.number),
            issue_date=today_in_china(now),
            seal_time=now,
            application=case.number,
        )
        authority = self.authority
        issued = await asyncio.to_thread(authority.issue, certificate)
        await self.repo.add_certificate(
            {
                "tenant_id": case.tenant_id,
                "case_id": case.id,
                "identifier": issued.identifier,
                "status": "valid",
                "issued_at": now,
            }
        )
        await self.uow.audit(
            action="certificate.issue",
            object_type="certificate",
            object_id=issued.identifier,
            tenant_id=case.tenant_id,
            detail={"case": case.number, "serial": serial},
        )
        await archive.store_issued(self.storage, issued)
        return issued.identifier

    async def verify(self, identifier: str, now: datetime) -> Verified:
        """Public: whether a licence is genuine and valid, from object storage alone."""
        if self.authority is None:
            raise NotFound("cases.certificate_not_found", identifier=identifier[:80])
        data = await archive.load_signed(self.storage, identifier)
        result = self.authority.verify(
            data,
            today=today_in_china(now),
            identifier=identifier,
            revocations=await archive.load_revocations(self.storage, identifier),
        )
        return Verified(
            identifier=identifier,
            verdict=str(result.verdict),
            valid=result.is_valid,
            message=result.message(),
            detail=result.as_dict(),
        )

    async def revoke(self, code: str, identifier: str, reason: str, now: datetime) -> Verified:
        """注销 a licence of this tenant, with its reason; audited in this unit."""
        if not reason.strip():
            raise InvalidInput("cases.reason_required", pointer="/reason")
        tenant = self.tree.node(code)
        row = await self.repo.certificate(tenant.id, identifier, lock=True)
        if row is None or self.authority is None:
            raise NotFound("cases.certificate_not_found", identifier=identifier[:80])
        if row.status == "revoked":
            raise Conflict(
                "cases.certificate_revoked", identifier=identifier, at=str(row.revoked_at)
            )
        data = await archive.load_signed(self.storage, identifier)
        authority = self.authority
        revoked = await asyncio.to_thread(
            lambda: authority.revoke(data, reason=reason, actor=self.uow.actor, at=now)
        )
        await self.repo.revoke_certificate(tenant.id, identifier, reason, now)
        await self.uow.audit(
            action="certificate.revoke",
            object_type="certificate",
            object_id=identifier,
            tenant_id=tenant.id,
            detail={"reason": reason},
        )
        await archive.store_revocation(self.storage, revoked)
        return await self.verify(identifier, now)

    async def mine(self, code: str, submitter: str, limit: int = 100) -> list[Licence]:
        """The licences of the caller's own cases: a download link (presigned GET of the PDF,
        S3 only) and the verification page's address to share."""
        tenant = self.tree.node(code)
        rows = await self.repo.certificates_submitted_by(tenant.id, submitter, limit)
        return [
            Licence(
                identifier=row.identifier,
                case=number,
                status=row.status,
                issued_at=row.issued_at,
                revoked_at=row.revoked_at,
                revoked_reason=row.revoked_reason,
                download=self._download(row.identifier),
                share=self.authority.verify_url(row.identifier) if self.authority else "",
            )
            for row, number in rows
        ]

    def _download(self, identifier: str) -> str | None:
        if not isinstance(self.storage, S3Storage):
            return None
        return self.storage.presigned_get(
            archive.archive_keys(identifier).pdf,
            disposition=f'attachment; filename="{_file_name(identifier)}"',
            content_type="application/pdf",
            expires_seconds=DOWNLOAD_SECONDS,
        )


#: how long a licence download link works
DOWNLOAD_SECONDS = 300


def _file_name(identifier: str) -> str:
    """An ASCII file name for the PDF (identifiers are digits, capitals and dots)."""
    return "licence-" + identifier.replace(".", "-") + ".pdf"


def _licence_number(case_number: str) -> str:
    """The licence number: the case number without its separators (digits and capitals)."""
    return case_number.replace("-", "")


def identifier_serial(case_number: str) -> str:
    """The identifier's serial: the case's day and that day's serial (14 digits).

    GB/T 36904 allows the serial 32 characters, and a whole case number is longer
    (the 实施编码 alone is 31). The day's serial is unique in the tenant, whose
    departments are the issuers, so the issuer code and this serial name one licence.
    """
    return "".join(case_number.rsplit("-", 2)[-2:])
