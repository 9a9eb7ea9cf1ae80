"""Signing in and out on a subsite, by mobile number and SMS code or by password.

    GET  /r/{code}/signin?next=..   the two ways in (public)
    POST /r/{code}/signin           `action=send_code`, `sms` or `password` (public, forms)
    POST /r/{code}/signout          ends the session (public, forms; the CSRF token
                                    travels in `_csrf` as soon as a session cookie does)

Everything is decided by the identity services the JSON API calls
(`LoginService`): the same one answer for every failed sign-in, the same
throttles, the same audit records; a citizen's first SMS sign-in creates the
account, which is how citizens register. This module only turns their answers
into a page: an error beside the field it concerns, what was typed kept (never
a password or a code). The session cookie is the API's, site-wide, so one
sign-in serves every subsite. `next` is honoured only as a path of this site.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from litestar import Request, Response, get, post
from litestar.response import Redirect

from yiwang.platform.edge.csrf import CSRF_COOKIE
from yiwang.platform.errors import YiwangError
from yiwang.platform.i18n import translate
from yiwang.platform.unit_of_work import UnitOfWork
from yiwang.policy.identity.dependencies import IdentityServices
from yiwang.policy.identity.login import SignedIn
from yiwang.policy.identity.sessions import session_token
from yiwang.runtime.portal.rendering import page, region_of
from yiwang.runtime.portal.shell import SIGN_IN
from yiwang.runtime.portal.viewer import PublicSite, Viewer
from yiwang.runtime.web.display import safe_back
from yiwang.runtime.web.posted import posted
from yiwang.tenants.directory import TenantDirectory

PUBLIC_FORM: Final = {"public": True, "forms": True}
PUBLIC: Final = {"public": True}
#: the form's field that a refusal of each action belongs beside, when it names none
FIELD_OF_ACTION: Final = {"send_code": "phone", "sms": "code", "password": "password"}
#: the fields whose value is shown again after a refusal (never a secret)
KEPT: Final = ("phone", "login")


def _next(code: str, wanted: str | None) -> str:
    """Where to go after signing in: a path of this site, else the region's home."""
    return safe_back(wanted, f"/r/{code}/")


def _signin_page(
    request: Request[Any, Any, Any],
    directory: TenantDirectory,
    code: str,
    *,
    viewer: Viewer | None,
    values: Mapping[str, str],
    errors: Mapping[str, str] | None = None,
    sent: bool = False,
    status: int = 200,
) -> Response[str]:
    tenant = region_of(request, code)
    return page(
        request,
        directory,
        tenant,
        "signin.html",
        viewer=viewer,
        status=status,
        action=SIGN_IN.format(code=code),
        next_path=values.get("next", ""),
        values={k: values.get(k, "") for k in KEPT},
        errors=dict(errors or {}),
        sent=sent,
        csrf=request.cookies.get(CSRF_COOKIE, ""),
    )


@get("/r/{code:str}/signin", opt=PUBLIC, include_in_schema=False)
async def sign_in_page(
    code: str, request: Request[Any, Any, Any], site: PublicSite
) -> Response[str]:
    """Both ways in; `next` (a path of this site) is where a successful sign-in goes."""
    wanted = request.query_params.get("next")
    kept = _next(code, wanted) if wanted else ""
    viewer = await site.viewer(request)
    return _signin_page(request, site.directory, code, viewer=viewer, values={"next": kept})


def _signed_in(identity: IdentityServices, signed: SignedIn, to: str) -> Response[Any]:
    response: Response[Any] = Redirect(to, status_code=303)
    response.set_cookie(identity.session_cookie(signed.token))
    return response


@post("/r/{code:str}/signin", opt=PUBLIC_FORM, include_in_schema=False)
async def sign_in(
    code: str,
    request: Request[Any, Any, Any],
    uow: UnitOfWork,
    client_ip: str,
    site: PublicSite,
) -> Response[Any]:
    """Send a code, or sign in; a refusal is the page again with the error at its field."""
    region_of(request, code)
    identity, directory = site.identity, site.directory
    viewer = await site.viewer(request)
    form = (await request.form()).dict()
    action = posted(form, "action")
    wanted = posted(form, "next")
    values = {"phone": posted(form, "phone"), "login": posted(form, "login")}
    values["next"] = _next(code, wanted) if wanted else ""
    login = identity.login
    errors = {"form": translate("portal.signin.unknown_action")}
    status = 422
    try:
        if action == "send_code":
            await login.request_sms_code(uow, values["phone"], ip=client_ip)
            return _signin_page(request, directory, code, viewer=viewer, values=values, sent=True)
        if action == "sms":
            signed = await login.sms_login(uow, values["phone"], posted(form, "code"), ip=client_ip)
            return _signed_in(identity, signed, _next(code, wanted))
        if action == "password":
            signed = await login.password_login(
                uow, values["login"], posted(form, "password"), totp_code=None, ip=client_ip
            )
            return _signed_in(identity, signed, _next(code, wanted))
    except YiwangError as refused:
        field = FIELD_OF_ACTION[action]
        if refused.pointer in ("/phone", "/login"):
            field = "login" if action == "password" else "phone"
        errors, status = {field: refused.message()}, refused.status
    return _signin_page(
        request, directory, code, viewer=viewer, values=values, errors=errors, status=status
    )


@post("/r/{code:str}/signout", opt=PUBLIC_FORM, include_in_schema=False)
async def sign_out(
    code: str,
    request: Request[Any, Any, Any],
    identity: IdentityServices,
    uow: UnitOfWork,
    client_ip: str,
) -> Response[Any]:
    """End the session (the edge checked the CSRF token) and go to the region's home."""
    region_of(request, code)
    token = session_token(request.headers, request.cookies)
    if token:
        await identity.login.logout(uow, token, ip=client_ip)
    response: Response[Any] = Redirect(f"/r/{code}/", status_code=303)
    response.set_cookie(identity.ended_session_cookie())
    return response


ROUTES: Final = (sign_in_page, sign_in, sign_out)
