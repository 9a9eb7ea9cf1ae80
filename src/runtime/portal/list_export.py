"""导出: one of the region's public lists as a spreadsheet, for anyone, as its page shows it.

    GET /r/{code}/open/{type}/export?format=xlsx|csv&filter...&q=

The export is the page's public view with the filters and search the page shows,
every row of it, masked as the page is masked: codes as their labels, money in 元,
formulas escaped (`lists.export`). Nobody signs in to read a public list, so the
export is written within the request, from the request's unit of work, to a
temporary file that is sent and removed, and a list of more than `MAX_ROWS` rows
is refused with a message asking for a narrower filter: a public route must not
let an anonymous caller make the server write without bound.
"""

from __future__ import annotations

import os
import tempfile
from contextlib import nullcontext
from pathlib import Path
from typing import Any, Final

from litestar import Request, get
from litestar.background_tasks import BackgroundTask
from litestar.exceptions import NotFoundException
from litestar.response import File

from yiwang.platform.china_time import today_in_china
from yiwang.runtime.lists.errors import ExportFormatInvalid, ExportTooLarge
from yiwang.runtime.lists.export import FORMATS, ExportAsked, params_for_export, write_export
from yiwang.runtime.portal.page_cache import PortalPage
from yiwang.runtime.portal.pages import PUBLIC, list_params
from yiwang.runtime.portal.rendering import region_of
from yiwang.runtime.portal.service import OPEN_LISTS
from yiwang.runtime.records.service import MASKED, RecordService

#: the most rows a public export writes (a region's power list holds a few thousand)
MAX_ROWS: Final = 20_000


async def _nothing(done: int, total: int | None) -> None:
    """An export within a request has nobody to report its progress to."""


@get("/r/{code:str}/open/{type_key:str}/export", opt=PUBLIC, include_in_schema=False)
async def public_list_export(
    code: str, type_key: str, request: Request[Any, Any, Any], portal_page: PortalPage
) -> File:
    """The public list with the page's filters and search, as `format=xlsx` or `csv`."""
    tenant = region_of(request, code)
    if type_key not in OPEN_LISTS:
        raise NotFoundException()
    fmt = request.query_params.get("format") or "xlsx"
    if fmt not in FORMATS:
        raise ExportFormatInvalid("lists.export.format_invalid", pointer="/format", value=fmt[:20])
    model = await portal_page.model(code)
    publication = RecordService.item_document(model, type_key).get("publication") or {}
    view_key = publication.get("list")
    if publication.get("public") is not True or not isinstance(view_key, str):
        raise NotFoundException()
    portal = portal_page.reads()
    query = {k: request.query_params.getall(k) for k in request.query_params}
    filters = await portal.filters(code, type_key, query, view_key)
    params = params_for_export(list_params(query, [f.param for f in filters]))
    lists = portal.lists
    prepared = await lists.public_prepared(code, type_key, params)
    rows = await lists.count(prepared, viewer=MASKED)
    if rows > MAX_ROWS:
        raise ExportTooLarge("lists.export.public_too_large", rows=rows, limit=MAX_ROWS)
    asked = ExportAsked(
        tenant_id=tenant.id,
        type_key=type_key,
        params={k: list(v) for k, v in {**params, "view": [prepared.plan.view.key]}.items()},
        format=fmt,
        restricted=False,
        department=None,
        sees_pii=False,
    )
    chosen = FORMATS[fmt]
    handle, name = tempfile.mkstemp(suffix=f".{chosen.key}")
    os.close(handle)
    path = Path(name)
    try:
        written = await write_export(
            lambda: nullcontext(lists),
            asked,
            path,
            progress=_nothing,
            today=today_in_china(),
            counted=rows,
        )
    except BaseException:
        os.unlink(path)
        raise
    return File(
        path,
        filename=written.name,
        media_type=chosen.content_type,
        background=BackgroundTask(os.unlink, path),
    )


ROUTES: Final = (public_list_export,)
