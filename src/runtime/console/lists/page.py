"""What every page of the room stands on: the page objects, the room's paths, the guard's
requirements and the few helpers both the reading and the changing pages use.

`TenantPage` is what a page of the tenant reads (request, tenant, staff member) and how it
is drawn in the console's shell; `ListPage` adds one maintained list (the records, the
model, the type and its document) and is the `page` dependency of every handler under
`/console/t/{code}/lists/{type}`. Kept apart from the handlers so that the list pages, the
forms and the spreadsheets share one definition of each.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, Final

from litestar import Request, Response
from litestar.exceptions import NotFoundException

from yiwang.metadata.documents.shapes import Document
from yiwang.metadata.resolution.resolve import EffectiveModel
from yiwang.platform.china_time import CHINA_TIME
from yiwang.platform.edge.csrf import CSRF_COOKIE
from yiwang.platform.errors import ErrorDetail, YiwangError
from yiwang.platform.i18n import translate
from yiwang.runtime.console.access import staff_viewer
from yiwang.runtime.console.lists.maintained import Maintained, maintained
from yiwang.runtime.console.lists.staff_form import staff_form_descriptor
from yiwang.runtime.console.shell import console_page
from yiwang.runtime.console.staff import ConsoleParts
from yiwang.runtime.portal.pages import list_params
from yiwang.runtime.portal.service import Filter, view_filters
from yiwang.runtime.records.service import RecordService, Viewer
from yiwang.tenants.tree import TenantNode

TEMPLATES: Final = Path(__file__).resolve().parent / "templates"
BASE: Final = "/console/t/{code:str}/lists"
#: the entry in the console's menu (`runtime/console/navigation.py`)
MENU_KEY: Final = "lists"
READ: Final = {"object": "record", "action": "read"}
WRITE: Final = {"object": "record", "action": "write"}
#: the same for a post of a form (the CSRF token is checked)
READ_FORM: Final = {**READ, "forms": True}
WRITE_FORM: Final = {**WRITE, "forms": True}
DELETE_FORM: Final = {"object": "record", "action": "delete", "forms": True}
#: what a redirect after a change tells the page to say
DONE: Final = {
    "created": "console_lists.done.created",
    "saved": "console_lists.done.saved",
    "unchanged": "console_lists.done.unchanged",
    "withdrawn": "console_lists.done.withdrawn",
}


def lists_url(code: str, *tail: str | int) -> str:
    return "/".join([f"/console/t/{code}/lists", *(str(t) for t in tail)])


def local_time(at: datetime) -> str:
    return at.astimezone(CHINA_TIME).strftime("%Y-%m-%d %H:%M")


def acting(viewer: Viewer) -> Viewer:
    """The viewer a change runs as: the guard's department scope, personal data masked."""
    return Viewer(viewer.restricted, viewer.department)


def refusal_details(refused: YiwangError) -> list[ErrorDetail]:
    """A refusal's problems, each with the pointer of the value it names."""
    return list(refused.details) or [ErrorDetail(refused.code, refused.pointer, refused.params)]


def posted_value(posted: Mapping[str, Sequence[str]], name: str, default: str = "") -> str:
    """The first value a form sent under `name`."""
    values = posted.get(name) or [default]
    return str(values[0])


class TenantPage:
    """What every page of the room reads: the request, the tenant and the staff member."""

    def __init__(self, request: Request[Any, Any, Any], console: ConsoleParts, code: str) -> None:
        self.request = request
        self.console = console
        self.code = code
        found = console.directory.tree.get(code)
        if found is None:
            raise NotFoundException()
        self.tenant: TenantNode = found

    @property
    def csrf(self) -> str:
        return self.request.cookies.get(CSRF_COOKIE, "")

    def departments(self) -> list[tuple[str, str]]:
        return [(d.key, d.name) for d in self.console.directory.departments_of(self.code)]

    def done(self) -> str | None:
        done = self.request.query_params.get("done")
        return translate(DONE[done]) if done in DONE else None

    async def posted(self) -> dict[str, list[Any]]:
        """The form the request sent, every name with all its values."""
        return (await self.request.form()).dict()

    async def render(self, name: str, *, status: int = 200, **context: Any) -> Response[str]:
        return console_page(
            self.request,
            self.console.directory,
            f"console_lists/{name}",
            tenant=self.tenant,
            viewer=await staff_viewer(self.request, self.console),
            current=MENU_KEY,
            status=status,
            code=self.code,
            csrf=self.csrf,
            done=self.done(),
            **context,
        )


class ListPage(TenantPage):
    """A page of one maintained list: the records of the request's unit, the tenant's
    model, the type and its document (a type maintained nowhere here is the 404 page)."""

    def __init__(
        self,
        request: Request[Any, Any, Any],
        console: ConsoleParts,
        records: RecordService,
        code: str,
        model: EffectiveModel,
        type_key: str,
    ) -> None:
        super().__init__(request, console, code)
        found = maintained(model, type_key)
        if found is None:
            raise NotFoundException()
        self.records = records
        self.model = model
        self.kind: Maintained = found
        self.document: Document = model.document(type_key)

    def url(self, *tail: str | int) -> str:
        """A path under this list's page."""
        return lists_url(self.code, self.kind.key, *tail)

    def form_descriptor(self) -> dict[str, Any]:
        """The type's staff form, as the renderer draws it and a post is read against."""
        return staff_form_descriptor(self.model, self.code, self.kind.key, self.kind.form)

    def view_query(
        self, query: Mapping[str, Sequence[str]]
    ) -> tuple[list[Filter], dict[str, list[str]]]:
        """The staff view's filters, and the list parameters the query (the list page's,
        or the form the export posts from it) sets among them."""
        filters = view_filters(self.document, self.kind.view, query, self.departments())
        return filters, list_params(query, [f.param for f in filters])


async def list_page_of(
    request: Request[Any, Any, Any],
    console: ConsoleParts,
    records: RecordService,
    code: str,
    type_key: str,
) -> ListPage:
    """The `page` every handler of one list takes (a dependency of the room's router)."""
    return ListPage(request, console, records, code, await records.model(), type_key)
