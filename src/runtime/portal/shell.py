"""The context of the page shell on a subsite: the province's identity, the region and
its switch, the three themes and the display toggles. Error pages use it too."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from yiwang.platform.i18n import translate
from yiwang.runtime.web.display import COOKIE, Display, display_of, toggle_links
from yiwang.tenants.directory import TenantDirectory
from yiwang.tenants.tree import TenantNode

#: the three themes of every subsite, by the key the pages mark as current
THEMES: Final = ("approval", "convenience", "open")


def theme_url(code: str, theme: str) -> str:
    if theme == "open":
        return f"/r/{code}/open"
    return f"/r/{code}/services?theme={theme}"


def shell(
    directory: TenantDirectory,
    tenant: TenantNode | None,
    *,
    path: str,
    display: Display,
    current: str | None = None,
) -> dict[str, Any]:
    """What `layout.html` needs besides the page's own blocks."""
    tree = directory.tree
    root = tree.root_of(tenant.code) if tenant is not None else None
    if root is None and len(tree.roots) == 1:
        root = tree.roots[0]
    site_title = (
        translate("web.site", name=root.name) if root is not None else translate("web.platform")
    )
    if tenant is None:
        return {
            "site_title": site_title,
            "site_home": f"/r/{root.code}/" if root is not None else "/",
            "region": None,
            "switch_url": "/",
            "nav": [],
            "display": display,
            "display_links": [],
            "footer": translate("web.footer_plain"),
        }
    code = tenant.code
    nav = [(translate("portal.home"), f"/r/{code}/", current == "home")]
    nav += [(translate(f"portal.theme.{t}"), theme_url(code, t), current == t) for t in THEMES]
    return {
        "site_title": site_title,
        "site_home": f"/r/{root.code}/" if root is not None else "/",
        "region": tenant,
        "switch_url": f"/r/{code}/regions",
        "nav": nav,
        "display": display,
        "display_links": toggle_links(f"/r/{code}/display", path, display),
        "footer": translate("web.footer", name=tenant.name),
    }


def error_shell(directory: TenantDirectory) -> Any:
    """The shell for error pages: the scope's path and cookie, the region if it is open."""

    def build(scope: Mapping[str, Any], tenant: TenantNode | None) -> dict[str, Any]:
        cookie = None
        for key, value in scope.get("headers", ()):
            if key == b"cookie":
                for part in value.decode("latin-1").split(";"):
                    k, _, v = part.strip().partition("=")
                    if k == COOKIE:
                        cookie = v
        return shell(
            directory, tenant, path=str(scope.get("path") or "/"), display=display_of(cookie)
        )

    return build
