"""What every admin page shares: its paths, the permission each section needs (the
sections of the console menu's admin entry, `navigation.ADMIN_SECTIONS`: the guard and the
menus read that one declaration), the section menu (only the sections the person may
open), and drawing in the console's shell."""

from __future__ import annotations

from collections.abc import Awaitable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, TypeVar

from litestar import Request, Response

from yiwang.platform.errors import YiwangError
from yiwang.platform.i18n import translate
from yiwang.platform.unit_of_work import UnitOfWork
from yiwang.policy.guards import Access
from yiwang.runtime.console.navigation import ADMIN_SECTIONS, drawn, section
from yiwang.runtime.console.shell import console_page
from yiwang.runtime.console.staff import ConsoleParts
from yiwang.runtime.portal.viewer import Viewer

T = TypeVar("T")

TEMPLATES: Final = Path(__file__).resolve().parent / "templates"
BASE: Final = "/console/t/{code:str}/admin"
#: the admin pages' entry in the console's menu (`runtime/console/navigation.py`)
MENU_KEY: Final = "admin"


def need(name: str, *, forms: bool = False) -> dict[str, Any]:
    """The route `opt` of section `name`'s pages: the permission its menu entry names."""
    declared = section(ADMIN_SECTIONS, name).need
    assert declared is not None, name
    return declared.guard(forms=forms)


def admin_url(code: str, *tail: str) -> str:
    return "/".join([f"/console/t/{code}/admin", *tail])


def bounded(raw: Any, limit: int) -> str:
    """A posted or queried text, stripped, cut at `limit` + 1 so a caller can tell it was long."""
    return raw.strip()[: limit + 1] if isinstance(raw, str) else ""


async def attempt(uow: UnitOfWork, change: Awaitable[T]) -> T | YiwangError:
    """`change` in a savepoint: its answer, or its refusal with nothing of it kept (the page
    answers the refusal, so the unit of work goes on to commit; the service has audited it)."""
    try:
        async with uow.savepoint():
            return await change
    except YiwangError as refused:
        return refused


def refused_text(refused: YiwangError) -> str:
    return translate("admin.refused", message=refused.message())


@dataclass(frozen=True)
class AdminPage:
    """One request to an admin page: who asks, at which tenant (the guard decided both)."""

    request: Request[Any, Any, Any]
    console: ConsoleParts
    access: Access
    viewer: Viewer | None

    @classmethod
    async def of(
        cls, request: Request[Any, Any, Any], console: ConsoleParts, access: Access
    ) -> AdminPage:
        return cls(request, console, access, await console.viewer(request))

    @property
    def code(self) -> str:
        return self.access.tenant.code

    def may(self, obj: str, action: str, path: str | None = None) -> bool:
        """Whether the person may do `action` on `obj` at the tenant `path` (default: here)."""
        return self.access.may(obj, action, path)

    def subnav(self, current: str) -> list[tuple[str, str, bool]]:
        return drawn(ADMIN_SECTIONS, self.code, current, self.may)

    def render(
        self, name: str, section: str, *, status: int = 200, **context: Any
    ) -> Response[str]:
        return console_page(
            self.request,
            self.console.directory,
            f"admin/{name}",
            tenant=self.access.tenant,
            viewer=self.viewer,
            current=MENU_KEY,
            status=status,
            subnav=self.subnav(section),
            subnav_label=translate("admin.subnav_label"),
            csrf=self.viewer.csrf if self.viewer else "",
            **context,
        )
