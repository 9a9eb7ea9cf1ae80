"""The pages that change a maintained list: the staff form to create and edit a record,
its posts, and withdrawal.

    GET  /console/t/{code}/lists/{type}/new               the staff form, empty (write)
    POST /console/t/{code}/lists/{type}/new               create (write, forms)
    GET  /console/t/{code}/lists/{type}/{id}/edit         the staff form, filled (write)
    POST /console/t/{code}/lists/{type}/{id}/edit         update at the version shown (write)
    POST /console/t/{code}/lists/{type}/{id}/delete       withdraw: soft delete (delete)

Every change goes through `RecordService` as the JSON API's does, in a savepoint: a
refusal leaves nothing behind, and its problems are shown at their fields with what was
typed kept (`FormPost`, one round of the form for both create and update). The guard
decides who may come (another region's staff 404, a citizen 403) and the records service
what they see (a department-scoped person only their department's records).
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from litestar import Response, get, post
from litestar.response import Redirect

from yiwang.platform.errors import ErrorDetail, YiwangError
from yiwang.platform.i18n import translate
from yiwang.runtime.console.lists.page import (
    DELETE_FORM,
    WRITE,
    WRITE_FORM,
    ListPage,
    acting,
    posted_value,
    refusal_details,
)
from yiwang.runtime.console.lists.reading import draw_record
from yiwang.runtime.console.lists.staff_form import form_errors, picker_choices
from yiwang.runtime.forms.rendering import render_form
from yiwang.runtime.forms.values import ADD_ROW, REMOVE_ROW, Submission, read_submission
from yiwang.runtime.records.service import RecordView, Viewer

#: a page's one-time key: the create's idempotency key, so a form sent twice makes one record
_KEY: Final = re.compile(r"^[0-9a-f]{32}$")
_VERSION: Final = re.compile(r"^[1-9][0-9]{0,9}$")


async def form_page(
    page: ListPage,
    *,
    action: str,
    values: Mapping[str, Any] | Submission | None,
    errors: Sequence[ErrorDetail] = (),
    hidden: Mapping[str, str],
    record: RecordView | None = None,
    status: int = 200,
) -> Response[str]:
    """The type's staff form inside the room's form page, each problem at its field."""
    model, kind = page.model, page.kind
    descriptor = page.form_descriptor()
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
        back=page.url(record.id) if record else page.url(),
    )


@dataclass
class FormPost:
    """One post of the staff form, read against the form; it either draws the form again
    (a row added or removed, the form's problems, the records service's refusal), with
    what was typed kept, or makes the change and goes to the page it names."""

    page: ListPage
    posted: Mapping[str, Sequence[str]]
    action: str
    hidden: Mapping[str, str]
    record: RecordView | None = None
    descriptor: dict[str, Any] = field(init=False)
    submission: Submission = field(init=False)

    def __post_init__(self) -> None:
        self.descriptor = self.page.form_descriptor()
        self.submission = read_submission(self.descriptor, self.posted)

    async def again(self, errors: Sequence[ErrorDetail] = (), status: int = 200) -> Response[str]:
        return await form_page(
            self.page,
            action=self.action,
            values=self.submission,
            errors=errors,
            hidden=self.hidden,
            record=self.record,
            status=status,
        )

    async def send(
        self,
        change: Callable[[], Awaitable[str]],
        problems: Sequence[ErrorDetail] = (),
    ) -> Response[Any]:
        """Run `change` (which answers where to go) in a savepoint, unless the post only
        adds or removes a row, or it or the page's own `problems` say it is not sound; a
        404 stays the 404 page."""
        if ADD_ROW in self.posted or REMOVE_ROW in self.posted:
            return await self.again()
        found = [*self.submission.problems, *problems]
        if found:
            return await self.again(found, 422)
        try:
            async with self.page.records.uow.savepoint():
                target = await change()
        except YiwangError as refused:
            if refused.status == 404:
                raise
            return await self.again(refusal_details(refused), refused.status)
        return Redirect(target, status_code=303)


@get("/{type_key:str}/new", opt=WRITE, include_in_schema=False)
async def new_page(page: ListPage) -> Response[str]:
    """The type's staff form, empty, with a fresh one-time key."""
    return await form_page(
        page, action=page.url("new"), values=None, hidden={"_key": secrets.token_hex(16)}
    )


@post("/{type_key:str}/new", opt=WRITE_FORM, include_in_schema=False)
async def create(page: ListPage, viewer: Viewer) -> Response[Any]:
    """Create the record the form describes; every refusal at its field, input kept."""
    type_key = page.kind.key
    posted = await page.posted()
    key = posted_value(posted, "_key")
    key = key if _KEY.match(key) else secrets.token_hex(16)
    form = FormPost(page, posted, action=page.url("new"), hidden={"_key": key})

    async def change() -> str:
        created = await page.records.create(
            type_key,
            form.submission.payload,
            idempotency_key=f"console:{key}",
            route=f"console:{type_key}",
            viewer=acting(viewer),
        )
        return page.url(created.id) + "?done=created"

    return await form.send(change)


@get("/{type_key:str}/{record_id:int}/edit", opt=WRITE, include_in_schema=False)
async def edit_page(page: ListPage, viewer: Viewer, record_id: int) -> Response[str]:
    """The staff form filled with the record, at the version it shows."""
    record = await page.records.get(page.kind.key, record_id, viewer=acting(viewer))
    if record.deleted_at is not None or record.personal == "masked":
        # a withdrawn record is not edited; masked personal data would overwrite the real
        return await draw_record(
            page,
            viewer,
            record_id,
            errors={"edit": translate("console_lists.edit.not_editable")},
            status=409,
        )
    return await form_page(
        page,
        action=page.url(record_id, "edit"),
        values=record.data,
        hidden={"_version": str(record.version)},
        record=record,
    )


@post("/{type_key:str}/{record_id:int}/edit", opt=WRITE_FORM, include_in_schema=False)
async def update(page: ListPage, viewer: Viewer, record_id: int) -> Response[Any]:
    """Replace the form's fields at the version the page showed (a stale one changes
    nothing and says so); fields the form does not show keep their values."""
    records, type_key = page.records, page.kind.key
    record = await records.get(type_key, record_id, viewer=acting(viewer))
    posted = await page.posted()
    version = posted_value(posted, "_version")
    form = FormPost(
        page,
        posted,
        action=page.url(record_id, "edit"),
        hidden={"_version": version},
        record=record,
    )
    problems = []
    if not _VERSION.match(version):
        problems.append(ErrorDetail("console_lists.edit.version_missing", ""))
    on_form = set(form.descriptor["schema"]["properties"])
    kept = {k: v for k, v in record.data.items() if k not in on_form}

    async def change() -> str:
        saved = await records.update(
            type_key,
            record_id,
            {**kept, **form.submission.payload},
            expected_version=int(version),
            viewer=acting(viewer),
        )
        done = "saved" if saved.version != record.version else "unchanged"
        return page.url(record_id) + f"?done={done}"

    return await form.send(change, problems)


@post("/{type_key:str}/{record_id:int}/delete", opt=DELETE_FORM, include_in_schema=False)
async def withdraw(page: ListPage, viewer: Viewer, record_id: int) -> Response[Any]:
    """Withdraw the record (a soft delete: it leaves the lists, its history stays), once
    confirmed, at the version the page showed."""
    records, type_key = page.records, page.kind.key
    posted = await page.posted()
    version = posted_value(posted, "_version")
    problem = None
    if posted_value(posted, "confirm") != "on":
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
        return await draw_record(page, viewer, record_id, errors={"withdraw": problem}, status=422)
    return Redirect(page.url() + "?done=withdrawn", status_code=303)


ROUTES: Final = (new_page, create, edit_page, update, withdraw)
