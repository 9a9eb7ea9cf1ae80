"""我的办件 itself: the person's cases at this region, newest first, with what changed
since they last looked, their saved drafts, and links to the same list above."""

from __future__ import annotations

from typing import Final

from litestar import Response, get

from yiwang.platform.errors import NotFound
from yiwang.platform.i18n import translate
from yiwang.runtime.applications.drafts.service import Drafts
from yiwang.runtime.portal import changes
from yiwang.runtime.portal.my_cases.parts import (
    READ,
    SIGN_IN_FIRST,
    CasePages,
    local_time,
    summary,
)
from yiwang.runtime.portal.rendering import page, region_of
from yiwang.runtime.portal.shell import MY_CASES

#: the cases a list shows
SHOWN: Final = 200


async def drafts(pages: CasePages, code: str) -> list[dict[str, str]]:
    """The person's drafts at this region, each linking to its application page."""
    saved = await Drafts(pages.cases.uow).mine(
        pages.access.tenant.id, pages.access.principal.account_id
    )
    shown = []
    for draft in saved:
        try:
            item = await pages.records.service_item(draft.service_item_id, online=True)
        except NotFound:
            continue  # the item was withdrawn from service since
        shown.append(
            {
                "name": str(item.values.get("task_name") or draft.service_item_id),
                "url": f"/r/{code}/services/{draft.service_item_id}/apply",
                "saved_at": local_time(draft.updated_at),
            }
        )
    return shown


async def listing(pages: CasePages, code: str) -> Response[str]:
    tenant = region_of(pages.request, code)
    rows = await pages.cases.mine(code, pages.actor, SHOWN)
    labels = await pages.labels(code)
    last = await pages.feedback.repo.last_changes(tenant.id, pages.actor.id)
    fresh = changes.changed(last, pages.seen(), (c.number for c in rows))
    above = [
        (node.name, MY_CASES.format(code=node.code))
        for node in reversed(pages.directory.tree.ancestors(code))
    ]
    cases = [{**summary(code, c, labels), "changed": c.number in fresh} for c in rows]
    return page(
        pages.request,
        pages.directory,
        tenant,
        "my_cases.html",
        viewer=pages.viewer,
        cases=cases,
        changed=[
            translate("portal.changes.case", number=c["number"], status=c["status"])
            for c in cases
            if c["changed"]
        ],
        drafts=await drafts(pages, code),
        above=above,
        poll_url=f"{MY_CASES.format(code=code)}?poll=1",
    )


@get("/r/{code:str}/my/cases", opt=READ, exception_handlers=SIGN_IN_FIRST, include_in_schema=False)
async def my_cases(code: str, case_pages: CasePages) -> Response[str]:
    """The person's cases at this region, newest first, with state, deadline colour and
    what changed; their drafts."""
    return await listing(case_pages, code)


ROUTES: Final = (my_cases,)
