"""Who may open a tenant's console pages, and where a signed-out browser goes instead.

Every tenant page is guarded as the JSON API's case handling is (`case` `handle`): the
guard answers a citizen 403 and another tenant's staff 404, both as pages in the
layout; a browser that is signed out is sent to the console's sign-in page with `next`
set to the page it asked for, while any other caller gets the usual 401.
"""

from __future__ import annotations

from typing import Any, Final

from litestar import Request
from litestar.types import ExceptionHandlersMap

from yiwang.runtime.console.navigation import HANDLE_CASES, SIGN_IN
from yiwang.runtime.console.staff import ConsoleParts
from yiwang.runtime.portal.viewer import Viewer
from yiwang.runtime.web.sign_in import sign_in_first

#: the inbox's and the case page's guard: what the menu's 待办 entry names
HANDLE: Final = HANDLE_CASES.guard()
HANDLE_FORM: Final = HANDLE_CASES.guard(forms=True)


SIGN_IN_FIRST: Final[ExceptionHandlersMap] = sign_in_first(lambda _request: SIGN_IN)


async def staff_viewer(request: Request[Any, Any, Any], console: ConsoleParts) -> Viewer | None:
    """The signed-in person the header names (the guard has verified the session)."""
    return await console.viewer(request)
