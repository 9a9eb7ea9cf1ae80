"""The room's pages under one router: `/console/t/{code}/lists`, signed-out browsers sent
to the console's sign-in."""

from __future__ import annotations

from typing import Final

from litestar.di import Provide
from litestar.router import Router

from yiwang.runtime.console.access import SIGN_IN_FIRST
from yiwang.runtime.console.lists import changes, page, reading, sheets

TEMPLATES: Final = page.TEMPLATES
ROUTER: Final = Router(
    path=page.BASE,
    route_handlers=[*reading.ROUTES, *changes.ROUTES, *sheets.ROUTES],
    exception_handlers=SIGN_IN_FIRST,
    dependencies={"page": Provide(page.list_page_of)},
)
ROUTES: Final = (ROUTER,)
