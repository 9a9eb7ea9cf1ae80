"""Who may open a tenant's console pages, and where a signed-out browser goes instead.

Every tenant page is guarded as the JSON API's case handling is (`case` `handle`): the
guard answers a citizen 403 and another tenant's staff 404, both as pages in the
layout; a browser that is signed out is sent to the console's sign-in page with `next`
set to the page it asked for, while any other caller gets the usual 401.
"""

from __future__ import annotations

from typing import Any, Final
from urllib.parse import quote

from litestar import Request, Response
from litestar.response import Redirect
from litestar.types import ExceptionHandlersMap

from yiwang.platform.error_handlers import wants_html, yiwang_error_handler
from yiwang.platform.errors import NotAuthenticated
from yiwang.runtime.console.navigation import SIGN_IN
from yiwang.runtime.console.staff import ConsoleParts
from yiwang.runtime.portal.rendering import here
from yiwang.runtime.portal.viewer import Viewer

HANDLE: Final = {"object": "case", "action": "handle"}
HANDLE_FORM: Final = {"object": "case", "action": "handle", "forms": True}


def to_sign_in(request: Request[Any, Any, Any], exc: NotAuthenticated) -> Response[Any]:
    """A browser asking for a console page while signed out signs in first."""
    if request.method == "GET" and wants_html(request.url.path, request.headers.get("accept", "")):
        return Redirect(f"{SIGN_IN}?next={quote(here(request), safe='/')}", status_code=303)
    return yiwang_error_handler(request, exc)


SIGN_IN_FIRST: Final[ExceptionHandlersMap] = {NotAuthenticated: to_sign_in}


async def staff_viewer(request: Request[Any, Any, Any], console: ConsoleParts) -> Viewer | None:
    """The signed-in person the header names (the guard has verified the session)."""
    return await console.viewer(request)
