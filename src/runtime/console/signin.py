"""Signing staff in and out of the console, and the console's entry page.

    GET  /console/          the tenants where the person holds roles (public: signed
                            out, it sends the browser to sign in; a citizen gets 403)
    GET  /console/signin    account, password and TOTP code (public)
    POST /console/signin    (public, forms, CSRF)
    POST /console/signout   (public, forms, CSRF)

Signing in is the JSON API's `LoginService.password_login`, with the same
throttles, the same audit records and the same one answer for every failure.
Staff accounts must have TOTP enrolled, and the password and the code are judged
in one attempt: asking for the code only after a right password would tell a
guesser the password was right. `next` is honoured only as a path of this site.
"""

from __future__ import annotations

from typing import Any, Final

from litestar import Request, Response, get, post
from litestar.response import Redirect

from yiwang.platform.edge.csrf import CSRF_COOKIE
from yiwang.platform.errors import PermissionDenied, YiwangError
from yiwang.platform.unit_of_work import UnitOfWork
from yiwang.policy.identity.sessions import session_token
from yiwang.runtime.console.navigation import HOME, SIGN_IN
from yiwang.runtime.console.shell import console_page
from yiwang.runtime.console.staff import ConsoleParts
from yiwang.runtime.web.display import safe_back
from yiwang.runtime.web.posted import posted

PUBLIC: Final = {"public": True}
PUBLIC_FORM: Final = {"public": True, "forms": True}


def next_path(wanted: str | None) -> str:
    """Where to go after signing in: a console path of this site, else the console home."""
    back = safe_back(wanted, HOME)
    return back if back.startswith("/console/") else HOME


def _signin_page(
    request: Request[Any, Any, Any],
    parts: ConsoleParts,
    *,
    login: str = "",
    wanted: str = "",
    error: str = "",
    status: int = 200,
    signed_out: bool = False,
) -> Response[str]:
    return console_page(
        request,
        parts.directory,
        "console/signin.html",
        tenant=None,
        viewer=None,
        status=status,
        action=SIGN_IN,
        login=login,
        next_path=wanted,
        error=error,
        signed_out=signed_out,
        csrf=request.cookies.get(CSRF_COOKIE, ""),
    )


@get("/console/", opt=PUBLIC, include_in_schema=False)
async def console_home(request: Request[Any, Any, Any], console: ConsoleParts) -> Response[Any]:
    """The tenants where the signed-in person holds roles, each linking to its inbox."""
    viewer = await console.viewer(request)
    if viewer is None:
        return Redirect(f"{SIGN_IN}?next={HOME}", status_code=303)
    if viewer.kind != "staff":
        raise PermissionDenied("console.not_staff")
    return console_page(
        request,
        console.directory,
        "console/home.html",
        tenant=None,
        viewer=viewer,
        tenants=console.tenants(viewer),
    )


@get("/console/signin", opt=PUBLIC, include_in_schema=False)
async def sign_in_page(request: Request[Any, Any, Any], console: ConsoleParts) -> Response[str]:
    wanted = request.query_params.get("next")
    return _signin_page(
        request,
        console,
        wanted=next_path(wanted) if wanted else "",
        signed_out=request.query_params.get("done") == "signed_out",
    )


@post("/console/signin", opt=PUBLIC_FORM, include_in_schema=False)
async def sign_in(
    request: Request[Any, Any, Any], console: ConsoleParts, uow: UnitOfWork, client_ip: str
) -> Response[Any]:
    """Sign in; any refusal is the page again with the one answer, the account kept."""
    form = (await request.form()).dict()
    login, wanted = posted(form, "login"), posted(form, "next")
    totp = posted(form, "totp").strip()
    identity = console.identity
    try:
        signed = await identity.login.password_login(
            uow, login, posted(form, "password"), totp_code=totp or None, ip=client_ip
        )
    except YiwangError as refused:
        return _signin_page(
            request,
            console,
            login=login,
            wanted=next_path(wanted) if wanted else "",
            error=refused.message(),
            status=refused.status,
        )
    response: Response[Any] = Redirect(next_path(wanted), status_code=303)
    response.set_cookie(identity.session_cookie(signed.token))
    return response


@post("/console/signout", opt=PUBLIC_FORM, include_in_schema=False)
async def sign_out(
    request: Request[Any, Any, Any], console: ConsoleParts, uow: UnitOfWork, client_ip: str
) -> Response[Any]:
    """End the session (the edge checked the CSRF token) and show the sign-in page."""
    token = session_token(request.headers, request.cookies)
    if token:
        await console.identity.login.logout(uow, token, ip=client_ip)
    response: Response[Any] = Redirect(f"{SIGN_IN}?done=signed_out", status_code=303)
    response.set_cookie(console.identity.ended_session_cookie())
    return response


ROUTES: Final = (console_home, sign_in_page, sign_in, sign_out)
