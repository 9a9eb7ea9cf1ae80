"""The lists a department maintains: server-rendered pages over the records service.

    GET  /console/t/{code}/lists                               the maintained types (record read)
    GET  /console/t/{code}/lists/{type}                        the staff list view: filters,
                                                               search, pages (record read)
    GET  /console/t/{code}/lists/{type}/new                    the staff form, empty (write)
    POST /console/t/{code}/lists/{type}/new                    create (write, forms)
    GET  /console/t/{code}/lists/{type}/{id}                   one record and its history (read)
    GET  /console/t/{code}/lists/{type}/{id}/edit              the staff form, filled (write)
    POST /console/t/{code}/lists/{type}/{id}/edit              update at the version shown (write)
    POST /console/t/{code}/lists/{type}/{id}/delete            withdraw: soft delete (delete)

Columns, filters and form fields come from the tenant's effective model, so a region's
local fields appear with no code. Every change goes through `RecordService` as the JSON
API's does, in a savepoint: a refusal leaves nothing behind, and its problems are shown
at their fields with what was typed kept. The guard decides who may come (another
region's staff 404, a citizen 403) and the records service what they see (a
department-scoped person only their department's records); a signed-out browser is sent
to the console's sign-in.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, Final
from zoneinfo import ZoneInfo

from litestar import Request, Response, get, post
from litestar.exceptions import NotFoundException
from litestar.response import Redirect

from yiwang.metadata.documents.shapes import Document
from yiwang.metadata.resolution.resolve import EffectiveModel
from yiwang.platform.edge.csrf import CSRF_COOKIE
from yiwang.platform.errors import ErrorDetail, InvalidInput, YiwangError
from yiwang.platform.i18n import translate
from yiwang.runtime.console.access import staff_viewer
from yiwang.runtime.console.lists.maintained import Maintained, maintained, maintained_types
from yiwang.runtime.console.lists.staff_form import (
    form_errors,
    picker_choices,
    staff_form_descriptor,
)
from yiwang.runtime.console.shell import console_page
from yiwang.runtime.console.staff import ConsoleParts
from yiwang.runtime.console.values import ATTACHMENT_TYPES, field_order
from yiwang.runtime.forms.rendering import render_form
from yiwang.runtime.forms.values import ADD_ROW, REMOVE_ROW, Submission, read_submission
from yiwang.runtime.lists.service import ListService
from yiwang.runtime.portal.guide import shown
from yiwang.runtime.portal.pages import list_params, pager_url
from yiwang.runtime.portal.service import view_filters
from yiwang.runtime.records.service import RecordService, RecordView, Viewer
from yiwang.tenants.tree import TenantNode

TEMPLATES: Final = Path(__file__).resolve().parent / "templates"
BASE: Final = "/console/t/{code:str}/lists"
#: the entry in the console's menu (`runtime/console/navigation.py`)
MENU_KEY: Final = "lists"
READ: Final = {"object": "record", "action": "read"}
WRITE: Final = {"object": "record", "action": "write"}
WRITE_FORM: Final = {**WRITE, "forms": True}
DELETE_FORM: Final = {"object": "record", "action": "delete", "forms": True}
CHINA: Final = ZoneInfo("Asia/Shanghai")
#: a page's one-time key: the create's idempotency key, so a form sent twice makes one record
_KEY: Final = re.compile(r"^[0-9a-f]{32}$")
_VERSION: Final = re.compile(r"^[1-9][0-9]{0,9}$")
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
    return at.astimezone(CHINA).strftime("%Y-%m-%d %H:%M")


def acting(viewer: Viewer) -> Viewer:
    """The viewer a change runs as: the guard's department scope, personal data masked."""
    return Viewer(viewer.restricted, viewer.department)


def refusal_details(refused: YiwangError) -> list[ErrorDetail]:
    """A refusal's problems, each with the pointer of the value it names."""
    return list(refused.details) or [ErrorDetail(refused.code, refused.pointer, refused.params)]


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


async def list_page_of(
    request: Request[Any, Any, Any],
    console: ConsoleParts,
    records: RecordService,
    code: str,
    type_key: str,
) -> ListPage:
    """The `page` every handler of one list takes (a dependency of the room's router)."""
    return ListPage(request, console, records, code, await records.model(), type_key)


def shown_values(
    document: Document, values: Mapping[str, Any], departments: Mapping[str, str]
) -> dict[str, str]:
    """Each value as text; departments by their names."""
    fields = document["fields"]
    out = {}
    for key, value in values.items():
        definition = fields.get(key)
        if definition is not None and definition["type"] == "department" and value:
            out[key] = departments.get(str(value), str(value))
        else:
            out[key] = shown(document, definition, value)
    return out


@get("/", opt=READ, include_in_schema=False)
async def types_page(
    request: Request[Any, Any, Any], console: ConsoleParts, records: RecordService, code: str
) -> Response[str]:
    """The lists maintained here, each linked to its list page."""
    page = TenantPage(request, console, code)
    model = await records.model()
    rows = [
        {
            "label": m.label,
            "view": str(model.document(m.key)["lists"][m.view]["label"]),
            "url": lists_url(code, m.key),
        }
        for m in maintained_types(model)
    ]
    return await page.render("types.html", types=rows)


@get("/{type_key:str}", opt=READ, include_in_schema=False)
async def list_page(
    page: ListPage,
    lists: ListService,
    viewer: Viewer,
) -> Response[str]:
    """The type's staff view: its columns, its filters, a search box and keyset pages."""
    request, code, type_key, kind, document = (
        page.request,
        page.code,
        page.kind.key,
        page.kind,
        page.document,
    )
    query = {k: request.query_params.getall(k) for k in request.query_params}
    departments = page.departments()
    filters = view_filters(document, kind.view, query, departments)
    params = list_params(query, [f.param for f in filters])
    fields = document["fields"]
    view = document["lists"][kind.view]
    columns = [(k, str(fields[k]["label"])) for k in view["columns"] if k in fields]
    error = None
    items: list[dict[str, Any]] = []
    next_cursor = None
    try:
        listed = await lists.page(type_key, {**params, "view": [kind.view]}, viewer=viewer)
        items, next_cursor = listed.items, listed.next_cursor
    except InvalidInput as refused:
        error = [d.message() for d in refused.details] or [refused.message()]
    names = dict(departments)
    rows = [
        {
            "url": lists_url(code, type_key, item["id"]),
            "number": item["number"] or str(item["id"]),
            "shown": shown_values(document, item["values"], names),
        }
        for item in items
    ]
    base = lists_url(code, type_key)
    return await page.render(
        "list.html",
        status=422 if error else 200,
        kind=kind,
        title=str(view["label"]),
        filters=filters,
        q=(query.get("q") or [""])[0],
        columns=columns,
        rows=rows,
        error=error,
        action=base,
        new_url=lists_url(code, type_key, "new"),
        import_url=lists_url(code, type_key, "import"),
        export_url=lists_url(code, type_key, "export"),
        export_params=[(k, v[0]) for k, v in params.items() if k != "cursor" and v],
        next_url=pager_url(base, params, next_cursor),
        first_url=base if "cursor" in params else None,
    )


async def _form_page(
    page: ListPage,
    *,
    action: str,
    values: Mapping[str, Any] | Submission | None,
    errors: Sequence[ErrorDetail] = (),
    hidden: Mapping[str, str],
    record: RecordView | None = None,
    status: int = 200,
) -> Response[str]:
    model, kind = page.model, page.kind
    descriptor = staff_form_descriptor(model, page.code, kind.key, kind.form)
    form = render_form(
        descriptor,
        values,
        form_errors(list(errors)),
        action=action,
        choices=picker_choices(model, page.console.directory, page.code, kind.key, kind.form),
        csrf_token=page.csrf,
        hidden=hidden,
    )
    return await page.render(
        "form.html",
        status=status,
        kind=kind,
        title=descriptor["label"],
        form=form,
        record=record,
        back=lists_url(page.code, kind.key, record.id)
        if record
        else lists_url(page.code, kind.key),
    )


def _posted(posted: Mapping[str, Sequence[str]], name: str) -> str:
    values = posted.get(name) or [""]
    return str(values[0])


@get("/{type_key:str}/new", opt=WRITE, include_in_schema=False)
async def new_page(
    page: ListPage,
) -> Response[str]:
    """The type's staff form, empty, with a fresh one-time key."""
    code, type_key = page.code, page.kind.key
    return await _form_page(
        page,
        action=lists_url(code, type_key, "new"),
        values=None,
        hidden={"_key": secrets.token_hex(16)},
    )


@post("/{type_key:str}/new", opt=WRITE_FORM, include_in_schema=False)
async def create(
    page: ListPage,
    viewer: Viewer,
) -> Response[Any]:
    """Create the record the form describes; every refusal at its field, input kept."""
    request, records, code, type_key, model, kind = (
        page.request,
        page.records,
        page.code,
        page.kind.key,
        page.model,
        page.kind,
    )
    posted = (await request.form()).dict()
    key = _posted(posted, "_key")
    key = key if _KEY.match(key) else secrets.token_hex(16)
    descriptor = staff_form_descriptor(model, code, type_key, kind.form)
    submission = read_submission(descriptor, posted)

    async def again(errors: Sequence[ErrorDetail] = (), status: int = 200) -> Response[str]:
        return await _form_page(
            page,
            action=lists_url(code, type_key, "new"),
            values=submission,
            errors=errors,
            hidden={"_key": key},
            status=status,
        )

    if ADD_ROW in posted or REMOVE_ROW in posted:
        return await again()
    if submission.problems:
        return await again(submission.problems, 422)
    try:
        async with records.uow.savepoint():
            created = await records.create(
                type_key,
                submission.payload,
                idempotency_key=f"console:{key}",
                route=f"console:{type_key}",
                viewer=acting(viewer),
            )
    except YiwangError as refused:
        if refused.status == 404:
            raise
        return await again(refusal_details(refused), refused.status)
    return Redirect(lists_url(code, type_key, created.id) + "?done=created", status_code=303)


@get("/{type_key:str}/{record_id:int}", opt=READ, include_in_schema=False)
async def record_page(
    page: ListPage,
    viewer: Viewer,
    record_id: int,
) -> Response[str]:
    """One record: every field by its label, its state, and who changed what."""
    return await _record_page(page, viewer, record_id)


async def _record_page(
    page: ListPage,
    viewer: Viewer,
    record_id: int,
    *,
    errors: Mapping[str, str] | None = None,
    status: int = 200,
) -> Response[str]:
    code, records, kind, document = page.code, page.records, page.kind, page.document
    type_key = kind.key
    record = await records.get(type_key, record_id, viewer=acting(viewer))
    fields = document["fields"]
    texts = shown_values(document, record.data, dict(page.departments()))
    rows = [
        (str(fields[k]["label"]), texts[k])
        for k in field_order(document)
        if k in texts and fields[k]["type"] not in ATTACHMENT_TYPES
    ]
    history = [
        {
            "at": local_time(entry.at),
            "actor": entry.actor,
            "action": translate(f"console_lists.history.{entry.action}"),
            "fields": "、".join(
                str(document["fields"].get(c["field"], {}).get("label", c["field"]))
                for c in entry.changes
            ),
        }
        for entry in await records.history(type_key, record_id, viewer=acting(viewer))
    ]
    return await page.render(
        "record.html",
        status=status,
        kind=kind,
        record=record,
        title=str(record.data.get(_title_field(document), "") or record.number or record.id),
        rows=rows,
        history=history,
        state=translate(
            "console_lists.state.withdrawn" if record.deleted_at else "console_lists.state.active"
        ),
        updated=local_time(record.updated_at),
        list_url=lists_url(code, type_key),
        edit_url=lists_url(code, type_key, record_id, "edit"),
        delete_url=lists_url(code, type_key, record_id, "delete"),
        errors=errors or {},
    )


def _title_field(document: Document) -> str:
    publication = document.get("publication") or {}
    title = publication.get("title_field")
    return str(title) if title else next(iter(document["fields"]))


@get("/{type_key:str}/{record_id:int}/edit", opt=WRITE, include_in_schema=False)
async def edit_page(
    page: ListPage,
    viewer: Viewer,
    record_id: int,
) -> Response[str]:
    """The staff form filled with the record, at the version it shows."""
    records, code, type_key = page.records, page.code, page.kind.key
    record = await records.get(type_key, record_id, viewer=acting(viewer))
    if record.deleted_at is not None or record.personal == "masked":
        # a withdrawn record is not edited; masked personal data would overwrite the real
        return await _record_page(
            page,
            viewer,
            record_id,
            errors={"edit": translate("console_lists.edit.not_editable")},
            status=409,
        )
    return await _form_page(
        page,
        action=lists_url(code, type_key, record_id, "edit"),
        values=record.data,
        hidden={"_version": str(record.version)},
        record=record,
    )


@post("/{type_key:str}/{record_id:int}/edit", opt=WRITE_FORM, include_in_schema=False)
async def update(
    page: ListPage,
    viewer: Viewer,
    record_id: int,
) -> Response[Any]:
    """Replace the form's fields at the version the page showed (a stale one changes
    nothing and says so); fields the form does not show keep their values."""
    request, records, code, type_key, model, kind = (
        page.request,
        page.records,
        page.code,
        page.kind.key,
        page.model,
        page.kind,
    )
    record = await records.get(type_key, record_id, viewer=acting(viewer))
    posted = (await request.form()).dict()
    version = _posted(posted, "_version")
    descriptor = staff_form_descriptor(model, code, type_key, kind.form)
    submission = read_submission(descriptor, posted)

    async def again(errors: Sequence[ErrorDetail] = (), status: int = 200) -> Response[str]:
        return await _form_page(
            page,
            action=lists_url(code, type_key, record_id, "edit"),
            values=submission,
            errors=errors,
            hidden={"_version": version},
            record=record,
            status=status,
        )

    if ADD_ROW in posted or REMOVE_ROW in posted:
        return await again()
    problems = list(submission.problems)
    if not _VERSION.match(version):
        problems.append(ErrorDetail("console_lists.edit.version_missing", ""))
    if problems:
        return await again(problems, 422)
    on_form = set(descriptor["schema"]["properties"])
    kept = {k: v for k, v in record.data.items() if k not in on_form}
    try:
        async with records.uow.savepoint():
            saved = await records.update(
                type_key,
                record_id,
                {**kept, **submission.payload},
                expected_version=int(version),
                viewer=acting(viewer),
            )
    except YiwangError as refused:
        if refused.status == 404:
            raise
        return await again(refusal_details(refused), refused.status)
    done = "saved" if saved.version != record.version else "unchanged"
    return Redirect(lists_url(code, type_key, record_id) + f"?done={done}", status_code=303)


@post("/{type_key:str}/{record_id:int}/delete", opt=DELETE_FORM, include_in_schema=False)
async def withdraw(
    page: ListPage,
    viewer: Viewer,
    record_id: int,
) -> Response[Any]:
    """Withdraw the record (a soft delete: it leaves the lists, its history stays), once
    confirmed, at the version the page showed."""
    request, records, code, type_key = page.request, page.records, page.code, page.kind.key
    posted = (await request.form()).dict()
    version = _posted(posted, "_version")
    problem = None
    if _posted(posted, "confirm") != "on":
        problem = translate("console_lists.withdraw.confirm_required")
    elif not _VERSION.match(version):
        problem = translate("console_lists.edit.version_missing")
    else:
        try:
            async with records.uow.savepoint():
                await records.delete(
                    type_key, record_id, expected_version=int(version), viewer=acting(viewer)
                )
        except YiwangError as refused:
            if refused.status == 404:
                raise
            problem = refused.message()
    if problem is not None:
        return await _record_page(page, viewer, record_id, errors={"withdraw": problem}, status=422)
    return Redirect(lists_url(code, type_key) + "?done=withdrawn", status_code=303)


ROUTES: Final = (
    types_page,
    list_page,
    new_page,
    create,
    record_page,
    edit_page,
    update,
    withdraw,
)
