"""我的证照: the signed-in person's own e-licences at a region, to download and to share.

    GET /r/{code}/my/licences                              the licences (case read)
    GET /r/{code}/my/licences/{identifier}/{file}          one of them, `pdf` or `json`
                                                           (the signed data), as a download

The licences are those of the person's own cases (`CaseCertificates.mine`, which the
JSON API's `GET /api/v1/t/{code}/certificates` answers too); each is shown with what its
signed document says (name, number, holder, issuer, validity) and its verdict, read as
the public verification page reads it. A file is sent through this origin after the
licence is found among the person's own, so another's identifier is the 404 page. The
verification address to share is shown in a read-only box, to select and copy without
JavaScript. A signed-out browser is sent to sign in, as for 我的办件.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Final

from litestar import Request, Response, get
from litestar.exceptions import NotFoundException

from yiwang.platform.i18n import translate
from yiwang.runtime.cases.certificates import CaseCertificates
from yiwang.runtime.cases.schemas import Licence
from yiwang.runtime.certificates import archive
from yiwang.runtime.portal.my_cases.parts import READ, SIGN_IN_FIRST, local_time
from yiwang.runtime.portal.rendering import page, region_of
from yiwang.runtime.portal.viewer import PublicSite
from yiwang.runtime.routes.actions import Actor

MY_LICENCES: Final = "/r/{code}/my/licences"
#: the licences one page shows, newest first
SHOWN: Final = 50
#: what a licence may be downloaded as: the rendered licence, or its signed data
FILES: Final = {"pdf": (archive.PDF, "pdf"), "json": (archive.JSON, "json")}


def licences_url(code: str) -> str:
    return MY_LICENCES.format(code=code)


def file_url(code: str, identifier: str, file: str) -> str:
    return f"{licences_url(code)}/{identifier}/{file}"


async def _shown(
    certificates: CaseCertificates, code: str, licence: Licence, now: datetime
) -> dict[str, Any]:
    verified = await certificates.verify(licence.identifier, now)
    facts = verified.detail.get("certificate") or {}
    return {
        "identifier": licence.identifier,
        "case": licence.case,
        "name": facts.get("license_name", ""),
        "number": facts.get("license_number", ""),
        "holder": facts.get("holder_name", ""),
        "issuer": facts.get("issuer_name", ""),
        "valid_from": facts.get("valid_from", ""),
        "valid_to": facts.get("valid_to") or translate("cases.page.no_end"),
        "verdict": verified.verdict,
        "state": translate(f"cases.page.verdict.{verified.verdict}"),
        "issued_at": local_time(licence.issued_at),
        "revoked_reason": licence.revoked_reason,
        "share": licence.share,
        "pdf": file_url(code, licence.identifier, "pdf"),
        "json": file_url(code, licence.identifier, "json"),
    }


@get(
    "/r/{code:str}/my/licences",
    opt=READ,
    exception_handlers=SIGN_IN_FIRST,
    include_in_schema=False,
)
async def my_licences(
    code: str,
    request: Request[Any, Any, Any],
    site: PublicSite,
    case_certificates: CaseCertificates,
    case_actor: Actor,
) -> Response[str]:
    """The person's licences here, each with its facts, state, files and share address."""
    tenant = region_of(request, code)
    now = datetime.now(UTC)
    mine = await case_certificates.mine(code, case_actor.id, SHOWN)
    licences = [await _shown(case_certificates, code, licence, now) for licence in mine]
    return page(
        request,
        site.directory,
        tenant,
        "my_licences.html",
        viewer=await site.viewer(request),
        licences=licences,
        my_cases_url=f"/r/{code}/my/cases",
    )


@get(
    "/r/{code:str}/my/licences/{identifier:str}/{file:str}",
    opt=READ,
    exception_handlers=SIGN_IN_FIRST,
    include_in_schema=False,
)
async def licence_file(
    code: str,
    identifier: str,
    file: str,
    request: Request[Any, Any, Any],
    case_certificates: CaseCertificates,
    case_actor: Actor,
) -> Response[bytes]:
    """One of the person's own licences as a file (another's is the 404 page)."""
    region_of(request, code)
    if file not in FILES:
        raise NotFoundException()
    mine = await case_certificates.mine(code, case_actor.id, 500)
    if identifier not in {licence.identifier for licence in mine}:
        raise NotFoundException()
    keys = archive.archive_keys(identifier)
    content_type, extension = FILES[file]
    body = await case_certificates.storage.get(keys.pdf if file == "pdf" else keys.certificate)
    name = "licence-" + identifier.replace(".", "-") + f".{extension}"
    return Response(
        body,
        media_type=content_type,
        headers={
            "content-disposition": f'attachment; filename="{name}"',
            "cache-control": "no-store",
            "x-content-type-options": "nosniff",
        },
    )


ROUTES: Final = (my_licences, licence_file)
