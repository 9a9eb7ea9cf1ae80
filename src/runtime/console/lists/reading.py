"""The pages that only read a maintained list: the types maintained here, one type's staff
list view, and one record with its history.

    GET  /console/t/{code}/lists                  the maintained types (record read)
    GET  /console/t/{code}/lists/{type}           the staff list view: filters, search,
                                                  pages (record read)
    GET  /console/t/{code}/lists/{type}/{id}      one record and its history (record read)

Columns, filters and values come from the tenant's effective model, so a region's local
fields appear with no code. The record page is also where a refused withdrawal, or an edit
of a record that cannot be edited, is shown (`draw_record`, used by `changes`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from litestar import Request, Response, get

from yiwang.metadata.documents.shapes import Document
from yiwang.platform.errors import InvalidInput
from yiwang.platform.i18n import translate
from yiwang.runtime.console.lists.maintained import maintained_types
from yiwang.runtime.console.lists.page import (
    READ,
    ListPage,
    TenantPage,
    acting,
    lists_url,
    local_time,
)
from yiwang.runtime.console.staff import ConsoleParts
from yiwang.runtime.console.values import ATTACHMENT_TYPES, field_order
from yiwang.runtime.lists.service import ListService
from yiwang.runtime.portal.guide import shown
from yiwang.runtime.portal.pages import pager_url
from yiwang.runtime.records.service import RecordService, Viewer


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
async def list_page(page: ListPage, lists: ListService, viewer: Viewer) -> Response[str]:
    """The type's staff view: its columns, its filters, a search box and keyset pages."""
    request, kind, document = page.request, page.kind, page.document
    query = {k: request.query_params.getall(k) for k in request.query_params}
    filters, params = page.view_query(query)
    fields = document["fields"]
    view = document["lists"][kind.view]
    columns = [(k, str(fields[k]["label"])) for k in view["columns"] if k in fields]
    error = None
    items: list[dict[str, Any]] = []
    next_cursor = None
    try:
        listed = await lists.page(kind.key, {**params, "view": [kind.view]}, viewer=viewer)
        items, next_cursor = listed.items, listed.next_cursor
    except InvalidInput as refused:
        error = [d.message() for d in refused.details] or [refused.message()]
    names = dict(page.departments())
    rows = [
        {
            "url": page.url(item["id"]),
            "number": item["number"] or str(item["id"]),
            "shown": shown_values(document, item["values"], names),
        }
        for item in items
    ]
    base = page.url()
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
        new_url=page.url("new"),
        import_url=page.url("import"),
        export_url=page.url("export"),
        export_params=[(k, v[0]) for k, v in params.items() if k != "cursor" and v],
        next_url=pager_url(base, params, next_cursor),
        first_url=base if "cursor" in params else None,
    )


@get("/{type_key:str}/{record_id:int}", opt=READ, include_in_schema=False)
async def record_page(page: ListPage, viewer: Viewer, record_id: int) -> Response[str]:
    """One record: every field by its label, its state, and who changed what."""
    return await draw_record(page, viewer, record_id)


async def draw_record(
    page: ListPage,
    viewer: Viewer,
    record_id: int,
    *,
    errors: Mapping[str, str] | None = None,
    status: int = 200,
) -> Response[str]:
    """The record page, with the problems of a refused change (`edit`, `withdraw`)."""
    records, kind, document = page.records, page.kind, page.document
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
        list_url=page.url(),
        edit_url=page.url(record_id, "edit"),
        delete_url=page.url(record_id, "delete"),
        errors=errors or {},
    )


def _title_field(document: Document) -> str:
    publication = document.get("publication") or {}
    title = publication.get("title_field")
    return str(title) if title else next(iter(document["fields"]))


ROUTES: Final = (types_page, list_page, record_page)
