"""Where a signed-out browser goes: its area's sign-in page, coming back afterwards.

The subsites and the console guard their pages the same way: a browser asking
for a page (GET, HTML) while signed out is sent to sign in with `next` set to
the page it asked for; any other caller gets the usual 401. Only the sign-in
page differs by area, so each area passes its own (`sign_in_first`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from litestar import Request, Response
from litestar.response import Redirect
from litestar.types import ExceptionHandlersMap

from yiwang.platform.error_handlers import wants_html, yiwang_error_handler
from yiwang.platform.errors import NotAuthenticated

#: an area's sign-in page for a request (no `next`), or None where the area has none
SignInPage = Callable[[Request[Any, Any, Any]], str | None]


def here(request: Request[Any, Any, Any]) -> str:
    """The path and query of this request, for links that return to it."""
    query = request.scope.get("query_string", b"").decode("latin-1")
    return request.url.path + (f"?{query}" if query else "")


def with_next(sign_in: str, back: str | None) -> str:
    """The sign-in page `sign_in`, returning to `back` (a path of this site) afterwards."""
    return f"{sign_in}?next={quote(back, safe='/')}" if back else sign_in


def sign_in_first(sign_in_page: SignInPage) -> ExceptionHandlersMap:
    """The exception handlers that send a signed-out browser to `sign_in_page`."""

    def to_sign_in(request: Request[Any, Any, Any], exc: NotAuthenticated) -> Response[Any]:
        page = None
        if request.method == "GET" and wants_html(
            request.url.path, request.headers.get("accept", "")
        ):
            page = sign_in_page(request)
        if page is None:
            return yiwang_error_handler(request, exc)
        return Redirect(with_next(page, here(request)), status_code=303)

    return {NotAuthenticated: to_sign_in}
