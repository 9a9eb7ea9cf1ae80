"""实名认证: the signed-in person checks their name and resident ID number with the provider.

    GET  /r/{code}/my/realname     whether the account is verified, else the form
    POST /r/{code}/my/realname     ask the provider (CSRF in `_csrf`)

The page calls what `POST /api/v1/me/realname` calls (`Profiles.verify_real_name`): the
same provider, the same refusal of a number another account holds, the same audit
record. A refusal or a failed check is the page again with the message at its field
and the name kept as typed; the ID number is never written back into the page. A
signed-out browser is sent to sign in and back, as for 我的办件.
"""

from __future__ import annotations

from typing import Any, Final

from litestar import Request, Response, get, post

from yiwang.platform.edge.csrf import CSRF_COOKIE
from yiwang.platform.errors import YiwangError
from yiwang.platform.i18n import translate
from yiwang.policy.identity.profiles import Profiles
from yiwang.policy.identity.sessions import Session
from yiwang.runtime.portal.my_cases.parts import SIGN_IN_FIRST, SIGNED_IN, SIGNED_IN_FORM
from yiwang.runtime.portal.rendering import page, region_of
from yiwang.runtime.portal.shell import MY_CASES
from yiwang.runtime.portal.viewer import PublicSite
from yiwang.runtime.web.posted import posted

REALNAME: Final = "/r/{code}/my/realname"
#: a posted field longer than this is cut before the provider is asked
_MAX_FIELD: Final = 128
#: the form's fields, by the JSON pointer the service names in a refusal
FIELDS: Final = {"/full_name": "full_name", "/id_number": "id_number"}


async def _page(
    request: Request[Any, Any, Any],
    code: str,
    site: PublicSite,
    profiles: Profiles,
    signed_in: Session,
    *,
    full_name: str = "",
    errors: dict[str, str] | None = None,
    done: bool = False,
    status: int = 200,
) -> Response[str]:
    tenant = region_of(request, code)
    own = await profiles.own(signed_in)
    return page(
        request,
        site.directory,
        tenant,
        "realname.html",
        viewer=await site.viewer(request),
        status=status,
        verified=own["realname_verified"],
        verified_name=own["display_name"] if own["realname_verified"] else "",
        done=done,
        action=REALNAME.format(code=code),
        my_cases_url=MY_CASES.format(code=code),
        values={"full_name": full_name},
        errors=errors or {},
        csrf=request.cookies.get(CSRF_COOKIE, ""),
    )


@get(
    "/r/{code:str}/my/realname",
    opt=SIGNED_IN,
    exception_handlers=SIGN_IN_FIRST,
    include_in_schema=False,
)
async def realname_page(
    code: str,
    request: Request[Any, Any, Any],
    site: PublicSite,
    profiles: Profiles,
    signed_in: Session,
) -> Response[str]:
    """The account's real-name state, and the form while it is not verified."""
    return await _page(request, code, site, profiles, signed_in)


@post(
    "/r/{code:str}/my/realname",
    opt=SIGNED_IN_FORM,
    exception_handlers=SIGN_IN_FIRST,
    include_in_schema=False,
)
async def verify_realname(
    code: str,
    request: Request[Any, Any, Any],
    site: PublicSite,
    profiles: Profiles,
    signed_in: Session,
) -> Response[str]:
    """Ask the provider; verified shows the new state, anything else the form again."""
    region_of(request, code)
    form = (await request.form()).dict()
    full_name = posted(form, "full_name", _MAX_FIELD)
    id_number = posted(form, "id_number", _MAX_FIELD)
    try:
        result = await profiles.verify_real_name(
            signed_in, full_name=full_name, id_number=id_number
        )
    except YiwangError as refused:
        field = FIELDS.get(refused.pointer or "", "id_number")
        return await _page(
            request,
            code,
            site,
            profiles,
            signed_in,
            full_name=full_name,
            # the precise reasons where the service gives them (a wrong check digit)
            errors={field: " ".join(d.message() for d in refused.details) or refused.message()},
            status=refused.status,
        )
    if not result["verified"]:
        return await _page(
            request,
            code,
            site,
            profiles,
            signed_in,
            full_name=full_name,
            errors={"id_number": translate("portal.realname.not_verified")},
            status=422,
        )
    return await _page(request, code, site, profiles, signed_in, done=True)


ROUTES: Final = (realname_page, verify_realname)
