"""The console menu and the pages' guards read one declaration: every entry leads to a
page guarded by the permission it names, and the menu shows only what the viewer may
open."""

from __future__ import annotations

from litestar.routes import HTTPRoute

from yiwang.app import create_app
from yiwang.platform.settings import Settings
from yiwang.runtime.console.navigation import ADMIN_SECTIONS, NAVIGATION, ConsoleLink, nav_for


def _get_guards() -> dict[str, dict[str, object]]:
    """The `opt` of every GET route, by its path written as the menu writes it."""
    found = {}
    for route in create_app(Settings()).routes:
        if not isinstance(route, HTTPRoute):
            continue
        for handler in route.route_handlers:
            if "GET" in handler.http_methods:
                path = route.path.replace(":str", "").rstrip("/")
                found[path] = dict(handler.opt or {})
    return found


def _pages() -> list[ConsoleLink]:
    return [link for link in NAVIGATION if link.need is not None] + list(ADMIN_SECTIONS)


def test_every_entry_leads_to_a_page_guarded_by_the_permission_it_names() -> None:
    guards = _get_guards()
    wrong = []
    for link in _pages():
        assert link.need is not None, link.key
        opt = guards.get(link.path.rstrip("/"))
        if opt is None or (opt.get("object"), opt.get("action")) != (
            link.need.object,
            link.need.action,
        ):
            wrong.append(f"{link.key}: {link.path} is guarded by {opt}, the menu names {link.need}")
    assert not wrong, "\n".join(wrong)


def _allowing(*held: tuple[str, str]) -> list[tuple[str, str, bool]]:
    return nav_for("620000", None, lambda obj, action: (obj, action) in held)


def test_the_menu_shows_only_what_the_viewer_may_open() -> None:
    assert _allowing() == []
    # a window clerk handles cases and reads lists: no 管理
    assert _allowing(("case", "handle"), ("record", "read")) == [
        ("待办", "/console/t/620000/inbox", False),
        ("清单", "/console/t/620000/lists", False),
    ]
    # the admin entry leads to the first section the viewer may open
    assert _allowing(("role", "read"), ("audit", "read")) == [
        ("管理", "/console/t/620000/admin/roles", False)
    ]
    assert _allowing(("audit", "read")) == [("管理", "/console/t/620000/admin/audit", False)]
