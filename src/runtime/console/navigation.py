"""The console's menu: one data list, in the order it is shown.

Another console room adds its page by adding one `ConsoleLink` here (the key its
pages pass as `current`); the shell draws every entry for the tenant at hand.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from yiwang.platform.i18n import translate

#: the console's own entry page: the tenants where the person holds a role
HOME: Final = "/console/"
SIGN_IN: Final = "/console/signin"
SIGN_OUT: Final = "/console/signout"
#: a tenant's console pages start here
TENANT: Final = "/console/t/{code}"
INBOX: Final = TENANT + "/inbox"
CASE: Final = TENANT + "/cases/{number}"


@dataclass(frozen=True)
class ConsoleLink:
    key: str
    #: the catalogue code of the entry's label
    label: str
    #: the path, with `{code}` for the tenant
    path: str


NAVIGATION: Final[tuple[ConsoleLink, ...]] = (
    ConsoleLink("inbox", "console.nav.inbox", INBOX),
    ConsoleLink("lists", "console_lists.nav", TENANT + "/lists"),
    # built in rooms of their own: the supervision dashboard and the operator's model editor
    ConsoleLink("supervision", "console.nav.supervision", TENANT + "/supervision"),
    ConsoleLink("model", "console.nav.model", TENANT + "/model"),
    ConsoleLink("admin", "admin.nav", TENANT + "/admin/tenants"),
)


def nav_for(code: str, current: str | None) -> list[tuple[str, str, bool]]:
    """(label, url, is current) of every entry, for the layout's navigation."""
    return [
        (translate(link.label), link.path.format(code=code), link.key == current)
        for link in NAVIGATION
    ]


def case_url(code: str, number: str) -> str:
    return CASE.format(code=code, number=number)
