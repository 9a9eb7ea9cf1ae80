"""The admin pages' router: every page under `/console/t/{code}/admin`, a signed-out
browser sent to sign in first (`console.access.SIGN_IN_FIRST`)."""

from __future__ import annotations

from typing import Final

from litestar.router import Router

from yiwang.runtime.console.access import SIGN_IN_FIRST
from yiwang.runtime.console.admin import audit, onboarding, roles, tenants
from yiwang.runtime.console.admin.layout import BASE, TEMPLATES

ROUTER: Final = Router(
    path=BASE,
    route_handlers=[*tenants.ROUTES, *onboarding.ROUTES, *roles.ROUTES, *audit.ROUTES],
    exception_handlers=SIGN_IN_FIRST,
)
ROUTES: Final = (ROUTER,)

__all__ = ["ROUTES", "TEMPLATES"]
