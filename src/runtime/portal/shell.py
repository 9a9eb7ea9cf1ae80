"""The context of the page shell on a subsite: the province's identity, the region and
its switch, the three themes and the display toggles. Error pages use it too."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from yiwang.platform.edge.shell import request_cookies
from yiwang.platform.i18n import translate
from yiwang.policy.identity.dependencies import SESSION_STATE_KEY
from yiwang.policy.identity.sessions import Session
from yiwang.runtime.portal.viewer import Viewer, viewer_from
from yiwang.runtime.web.display import COOKIE, Display, display_of, toggle_links
from yiwang.runtime.web.sign_in import with_next
from yiwang.tenants.directory import TenantDirectory
from yiwang.tenants.tree import TenantNode

#: the three themes of every subsite, by the key the pages mark as current
THEMES: Final = ("approval", "convenience", "open")


#: the subsite's own account pages, by region code
SIGN_IN: Final = "/r/{code}/signin"
SIGN_OUT: Final = "/r/{code}/signout"
MY_CASES: Final = "/r/{code}/my/cases"


def sign_in_url(code: str, back: str | None) -> str:
    """The region's sign-in page, returning to `back` (a path of this site) afterwards."""
    return with_next(SIGN_IN.format(code=code), back)


def account_links(code: str, path: str, viewer: Viewer | None) -> dict[str, Any]:
    """The header's account part: 登录, or the person's masked name, 我的办件 and 退出."""
    if viewer is None:
        back = None if path.startswith(SIGN_IN.format(code=code)) else path
        return {"viewer": None, "sign_in_url": sign_in_url(code, back)}
    return {
        "viewer": viewer,
        "my_cases_url": MY_CASES.format(code=code),
        "sign_out_url": SIGN_OUT.format(code=code),
    }


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
    viewer: Viewer | None = None,
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
            "account": None,
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
        "account": account_links(code, path, viewer),
    }


def error_shell(directory: TenantDirectory) -> Any:
    """The shell for error pages: the scope's path and cookie, the region if it is open."""

    def build(scope: Mapping[str, Any], tenant: TenantNode | None) -> dict[str, Any]:
        cookies = request_cookies(scope)
        # the session the guard verified, if it ran: a page it refused still names the person
        session = (scope.get("state") or {}).get(SESSION_STATE_KEY)
        viewer = viewer_from(session, cookies) if isinstance(session, Session) else None
        return shell(
            directory,
            tenant,
            path=str(scope.get("path") or "/"),
            display=display_of(cookies.get(COOKIE)),
            viewer=viewer,
        )

    return build
