"""Drawing a console page: the one layout of `yiwang.runtime.web`, with the console's
title, the tenant at hand, the menu of `navigation` and the staff member's sign-out.

The menu shows the entries the viewer may open at the tenant at hand, decided by the
policy the page's guard decided with (`Access.may`); a page no guard decided for that
tenant (none should draw one) shows no entry at all."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response

from yiwang.platform.i18n import translate
from yiwang.policy.guards import access_of
from yiwang.runtime.console.navigation import HOME, SIGN_OUT, May, nav_for
from yiwang.runtime.portal.rendering import display, here, render
from yiwang.runtime.portal.viewer import Viewer
from yiwang.runtime.web.display import toggle_links
from yiwang.tenants.directory import TenantDirectory
from yiwang.tenants.tree import TenantNode, TenantTree


def viewer_may(request: Request[Any, Any, Any], tenant: TenantNode) -> May:
    """What the signed-in viewer may do at `tenant`, as the guard's policy decides."""
    access = access_of(request)
    if access is None or access.principal.kind != "staff":
        return lambda _obj, _action: False
    return lambda obj, action: access.may(obj, action, tenant.path)


def console_shell(
    request: Request[Any, Any, Any],
    tree: TenantTree,
    tenant: TenantNode | None,
    viewer: Viewer | None,
    current: str | None,
) -> dict[str, Any]:
    """What `layout.html` and `console/base.html` need besides the page's own blocks
    (every console room's pages draw with it: the model editor's, the dashboard's)."""
    root = tree.root_of(tenant.code) if tenant is not None else None
    if root is None and tree.roots:
        root = tree.roots[0]
    display_links = (
        toggle_links(f"/r/{root.code}/display", here(request), display(request))
        if root is not None
        else []
    )
    return {
        "site_title": translate("console.site"),
        "site_home": HOME,
        "region": tenant,
        "switch_url": HOME,
        "nav": (
            nav_for(tenant.code, current, viewer_may(request, tenant)) if tenant is not None else []
        ),
        "nav_label": translate("console.nav_label"),
        "display": display(request),
        "display_links": display_links,
        "footer": translate("console.footer"),
        "account": None,
        "staff": viewer,
        "sign_out_url": SIGN_OUT,
    }


def console_page(
    request: Request[Any, Any, Any],
    directory: TenantDirectory,
    name: str,
    *,
    tenant: TenantNode | None,
    viewer: Viewer | None,
    current: str | None = None,
    status: int = 200,
    **context: Any,
) -> Response[str]:
    """The template `name` in the console's layout, for this staff member."""
    layout = console_shell(request, directory.tree, tenant, viewer, current)
    body = render(request, name, **layout, **context, tenant=tenant)
    return Response(
        body,
        status_code=status,
        media_type="text/html; charset=utf-8",
        headers={"vary": "Cookie", "cache-control": "no-store"},
    )
