"""The console's menu: one data list, in the order it is shown, each entry with the
permission its page's guard checks.

Another console room adds its page by adding one `ConsoleLink` here (the key its
pages pass as `current`) and guards that page with the entry's `need.guard()`, so the
menu and the guard read one declaration: the shell draws only the entries the viewer
may open at the tenant at hand. An entry with `sections` (the admin pages) shows when
any section may be opened and leads to the first that may; the sections are the
page's own sub-menu.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

from yiwang.platform.i18n import translate

#: the console's own entry page: the tenants where the person holds a role
HOME: Final = "/console/"
SIGN_IN: Final = "/console/signin"
SIGN_OUT: Final = "/console/signout"
#: a tenant's console pages start here
TENANT: Final = "/console/t/{code}"
INBOX: Final = TENANT + "/inbox"
CASE: Final = TENANT + "/cases/{number}"
ADMIN: Final = TENANT + "/admin"

#: whether the viewer may do (object, action) at the tenant at hand
May = Callable[[str, str], bool]
#: (label, url, is current) of one drawn entry
Drawn = tuple[str, str, bool]


@dataclass(frozen=True)
class Permission:
    """A Casbin object and action, as a page's guard reads them from its route's `opt`."""

    object: str
    action: str

    def guard(self, *, forms: bool = False) -> dict[str, Any]:
        """The route `opt` that guards a page with this permission (`forms`: a posted form)."""
        return {"object": self.object, "action": self.action, **({"forms": True} if forms else {})}


HANDLE_CASES: Final = Permission("case", "handle")
READ_RECORDS: Final = Permission("record", "read")
SUPERVISE: Final = Permission("case", "supervise")
INSPECT_MODEL: Final = Permission("metadata", "inspect")
READ_TENANTS: Final = Permission("tenant", "read")
ONBOARD: Final = Permission("tenant", "onboard")
READ_ROLES: Final = Permission("role", "read")
READ_AUDIT: Final = Permission("audit", "read")


@dataclass(frozen=True)
class ConsoleLink:
    key: str
    #: the catalogue code of the entry's label
    label: str
    #: the path, with `{code}` for the tenant
    path: str
    #: what the page's guard checks; None for an entry made of `sections`
    need: Permission | None = None
    sections: tuple[ConsoleLink, ...] = ()

    def opens(self, may: May) -> ConsoleLink | None:
        """The entry itself, or its first section, that `may` lets the viewer open."""
        if self.need is not None:
            return self if may(self.need.object, self.need.action) else None
        return next((s for s in self.sections if s.opens(may) is not None), None)


ADMIN_SECTIONS: Final[tuple[ConsoleLink, ...]] = (
    ConsoleLink("tenants", "admin.section.tenants", ADMIN + "/tenants", READ_TENANTS),
    ConsoleLink("onboarding", "admin.section.onboarding", ADMIN + "/onboarding", ONBOARD),
    ConsoleLink("roles", "admin.section.roles", ADMIN + "/roles", READ_ROLES),
    ConsoleLink("audit", "admin.section.audit", ADMIN + "/audit", READ_AUDIT),
)

NAVIGATION: Final[tuple[ConsoleLink, ...]] = (
    ConsoleLink("inbox", "console.nav.inbox", INBOX, HANDLE_CASES),
    ConsoleLink("lists", "console_lists.nav", TENANT + "/lists", READ_RECORDS),
    # built in rooms of their own: the supervision dashboard and the operator's model editor
    ConsoleLink("supervision", "console.nav.supervision", TENANT + "/supervision", SUPERVISE),
    ConsoleLink("model", "console.nav.model", TENANT + "/model", INSPECT_MODEL),
    ConsoleLink("admin", "admin.nav", ADMIN + "/tenants", sections=ADMIN_SECTIONS),
)


def section(links: tuple[ConsoleLink, ...], key: str) -> ConsoleLink:
    return next(link for link in links if link.key == key)


def drawn(links: tuple[ConsoleLink, ...], code: str, current: str | None, may: May) -> list[Drawn]:
    """(label, url, is current) of every entry of `links` the viewer may open."""
    shown = []
    for link in links:
        target = link.opens(may)
        if target is not None:
            url = target.path.format(code=code)
            shown.append((translate(link.label), url, link.key == current))
    return shown


def nav_for(code: str, current: str | None, may: May) -> list[Drawn]:
    """The console menu at tenant `code`, for the layout's navigation."""
    return drawn(NAVIGATION, code, current, may)


def case_url(code: str, number: str) -> str:
    return CASE.format(code=code, number=number)
