"""The public licence verification page (电子证照核验): HTML rendered on the server.

Reached by the QR code's address (`/certificates/<identifier>`, the default of
`YIWANG_CERTIFICATE_VERIFY_URL`) or by typing an identifier into the form at
`/certificates`. No sign-in. The verdict is the authority's, checked offline
against the public key set from the stored JSON and any stored revocation:
valid, revoked (with its reason and time), signature invalid, expired, not yet
valid, unknown key, identifier invalid; a licence the store does not hold is
"unknown" (404). Jinja2 with autoescape on; every word through the catalogue.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from typing import Any, Final

from jinja2 import Environment, PackageLoader, select_autoescape
from litestar import Response, get

from yiwang.platform.errors import NotFound
from yiwang.platform.i18n import translate
from yiwang.runtime.cases.certificates import CaseCertificates, Verified
from yiwang.runtime.certificates.errors import IdentifierInvalid
from yiwang.runtime.static.files import asset_url

PUBLIC: Final = {"public": True}
#: identifiers are 10 dot-separated segments of digits and capitals; more is not one
MAX_IDENTIFIER: Final = 160
#: the page's tone for each verdict (a CSS class, and whether it is good news)
TONES: Final = {
    "valid": "valid",
    "revoked": "revoked",
    "expired": "revoked",
    "not_yet_valid": "revoked",
    "signature_invalid": "invalid",
    "unknown_key": "invalid",
    "identifier_invalid": "invalid",
    "unknown": "unknown",
}


@cache
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("yiwang.runtime.cases", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
        # templates ship with the package and change only with a new process: no stat()
        # of every template and include on every render
        auto_reload=False,
    )
    env.globals["t"] = lambda code, **params: translate(code, **params)
    return env


def render_verification(identifier: str, found: Verified | None, *, asked: bool = True) -> str:
    """The page for one identifier; `found` None means the store holds no such licence,
    `asked` False the bare form."""
    verdict = found.verdict if found is not None else "unknown"
    detail: dict[str, Any] = found.detail if found is not None else {}
    return (
        environment()
        .get_template("verify.html")
        .render(
            asked=asked,
            identifier=identifier,
            verdict=verdict,
            tone=TONES.get(verdict, "invalid"),
            message=found.message if found is not None else translate("cases.page.unknown"),
            certificate=detail.get("certificate"),
            revocation=detail.get("revocation"),
            stylesheet=asset_url("portal.css"),
        )
    )


def _html(body: str, status: int = 200) -> Response[str]:
    return Response(
        body,
        status_code=status,
        media_type="text/html; charset=utf-8",
        headers={"cache-control": "no-store"},
    )


async def _verdict(case_certificates: CaseCertificates, identifier: str) -> Response[str]:
    asked = identifier.strip()[:MAX_IDENTIFIER]
    try:
        found = await case_certificates.verify(asked, datetime.now(UTC))
    except IdentifierInvalid as exc:  # not even an identifier: nothing to look up
        malformed = Verified(asked, "identifier_invalid", False, exc.message(), {})
        return _html(render_verification(asked, malformed), 404)
    except NotFound:
        return _html(render_verification(asked, None), 404)
    return _html(render_verification(asked, found))


@get("/certificates", opt=PUBLIC, include_in_schema=False)
async def verification_form(
    case_certificates: CaseCertificates, identifier: str | None = None
) -> Response[str]:
    """The form; with `?identifier=` the verdict of the licence typed in."""
    if identifier is None or not identifier.strip():
        return _html(render_verification("", None, asked=False))
    return await _verdict(case_certificates, identifier)


@get("/certificates/{identifier:str}", opt=PUBLIC, include_in_schema=False)
async def verification_page(case_certificates: CaseCertificates, identifier: str) -> Response[str]:
    """The QR code's address: whether the licence is genuine and valid."""
    return await _verdict(case_certificates, identifier)


ROUTES: Final = (verification_form, verification_page)
