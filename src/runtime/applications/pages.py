"""The citizen's application page: the envelope and the service item's business form on one
server-rendered page; its valid post stores the application, opens the case and shows
the case number.

    GET  /r/{code}/services/{id}/apply   public (the guide links here)
    POST /r/{code}/services/{id}/apply   case write (a signed-in applicant), forms

It works without JavaScript, like the form page. The page carries an
idempotency key of its own (`_submission`, made when the page is drawn), so
a second click on 提交 answers with the first case instead of a second one.
Errors from the records room come back beside their fields.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from typing import Any, Final

from litestar import Request, Response, get, post

from yiwang.metadata.documents.errors import FormInvalid
from yiwang.metadata.generators.descriptors import citizen_form_descriptor
from yiwang.metadata.versions.service import MetadataService
from yiwang.platform.edge.csrf import CSRF_COOKIE
from yiwang.platform.errors import ErrorDetail
from yiwang.platform.i18n import translate
from yiwang.platform.tenant_context import TenantScope
from yiwang.platform.unit_of_work import UnitOfWork
from yiwang.policy.guards import Access
from yiwang.runtime.applications.controllers import ONLINE_KINDS
from yiwang.runtime.applications.service import Applications
from yiwang.runtime.forms import composed
from yiwang.runtime.forms.options import FormOptions
from yiwang.runtime.forms.pages import tenant_name
from yiwang.runtime.forms.rendering import render_form, render_page
from yiwang.runtime.forms.values import ADD_ROW, REMOVE_ROW, Submission, read_submission
from yiwang.runtime.records.service import RecordService, ServiceItem
from yiwang.runtime.routes.actions import Actor
from yiwang.runtime.static.files import asset_url
from yiwang.tenants.directory import TenantDirectory
from yiwang.tenants.tree import TenantTree

PATH: Final = "/r/{code:str}/services/{service_item_id:int}/apply"
#: the application type and its citizen form (the envelope); business forms name theirs `apply`
ENVELOPE: Final = ("application", "apply")
BUSINESS_FORM: Final = "apply"
PREFIX: Final = "application"
SUBMISSION_FIELD: Final = "_submission"
PUBLIC: Final = {"public": True}
APPLY_FORM: Final = {"object": "case", "action": "write", "forms": True}


def _html(body: str, status: int = 200) -> Response[str]:
    return Response(body, status_code=status, media_type="text/html; charset=utf-8")


class _Page:
    """What both handlers draw: the composed descriptor and the pickers' choices."""

    def __init__(
        self,
        request: Request[Any, Any, Any],
        metadata: MetadataService,
        options: FormOptions,
        code: str,
        item: ServiceItem,
    ) -> None:
        self.request = request
        self.metadata = metadata
        self.options = options
        self.code = code
        self.item = item
        # an admitted service item names its business form (`RecordService.service_item`)
        assert item.business_form is not None
        self.business_form: str = item.business_form

    async def descriptor(self) -> dict[str, Any]:
        model = await self.metadata.effective(self.code)
        envelope = citizen_form_descriptor(model, self.code, *ENVELOPE)
        business = citizen_form_descriptor(model, self.code, self.business_form, BUSINESS_FORM)
        title = str(self.item.values.get("task_name") or business["label"])
        return {**composed.compose(envelope, business, PREFIX), "label": title}

    async def choices(self) -> dict[str, list[tuple[str, str]]]:
        envelope = await self.options.for_form(self.code, *ENVELOPE)
        business = await self.options.for_form(self.code, self.business_form, BUSINESS_FORM)
        return {**{f"{PREFIX}.{k}": v for k, v in envelope.items()}, **business}

    async def draw(
        self,
        values: Submission | None,
        errors: Sequence[ErrorDetail],
        *,
        key: str,
        status: int = 200,
        confirmation: tuple[str, str] | None = None,
    ) -> Response[str]:
        descriptor = await self.descriptor()
        html = render_form(
            descriptor,
            values,
            errors,
            action=self.request.url.path,
            choices=await self.choices(),
            csrf_token=self.request.cookies.get(CSRF_COOKIE),
            hidden={SUBMISSION_FIELD: key},
        )
        body = render_page(
            "form_page.html",
            code=self.code,
            tenant_name=tenant_name(self.request, self.code),
            title=descriptor["label"],
            form=html,
            valid=confirmation is not None,
            confirmation_title=confirmation[0] if confirmation else None,
            confirmation_detail=confirmation[1] if confirmation else None,
            stylesheet=asset_url("forms.css"),
        )
        return _html(body, status)


def _new_key() -> str:
    return "page-" + secrets.token_urlsafe(18)


def _posted_key(posted: Mapping[str, Any]) -> str:
    value = posted.get(SUBMISSION_FIELD)
    text = value[0] if isinstance(value, list) and value else value
    if isinstance(text, str) and text.startswith("page-") and 10 <= len(text) <= 64:
        return text
    return _new_key()


@get(PATH, opt=PUBLIC, include_in_schema=False)
async def application_page(
    request: Request[Any, Any, Any],
    uow: UnitOfWork,
    records: RecordService,
    metadata: MetadataService,
    directory: TenantDirectory,
    tree: TenantTree,
    code: str,
    service_item_id: int,
) -> Response[str]:
    """The empty application form of a service item offered online."""
    tenant_name(request, code)
    await uow.use_scope(TenantScope.single(tree.node(code).id))
    item = await records.service_item(service_item_id, online=True)
    page = _Page(request, metadata, FormOptions(metadata, directory, tree), code, item)
    return await page.draw(None, [], key=_new_key())


@post(PATH, opt=APPLY_FORM, include_in_schema=False)
async def submit_application_page(
    request: Request[Any, Any, Any],
    access: Access,
    case_actor: Actor,
    applications: Applications,
    metadata: MetadataService,
    directory: TenantDirectory,
    tree: TenantTree,
    code: str,
    service_item_id: int,
) -> Response[str]:
    """Store the application and open its case; or show the errors beside their fields."""
    tenant_name(request, code)
    online = access.principal.kind in ONLINE_KINDS
    item = await applications.records.service_item(service_item_id, online=online)
    page = _Page(request, metadata, FormOptions(metadata, directory, tree), code, item)
    posted = (await request.form()).dict()
    key = _posted_key(posted)
    submission = read_submission(await page.descriptor(), posted)
    if ADD_ROW in posted or REMOVE_ROW in posted:
        return await page.draw(submission, [], key=key)
    if submission.problems:
        return await page.draw(submission, submission.problems, key=key, status=422)
    envelope, business = composed.split(submission.payload, PREFIX)
    try:
        # a refused post writes nothing (not even the claimed key), yet answers 422 with the page
        async with applications.uow.session.begin_nested():
            created = await applications.submit(
                service_item_id,
                envelope,
                form=business,
                channel="online" if online else "window",
                online=online,
                idempotency_key=key,
                actor=case_actor,
            )
    except FormInvalid as invalid:
        details = [
            ErrorDetail(d.code, composed.pointer(d.pointer, PREFIX), d.params)
            for d in invalid.details
        ]
        return await page.draw(submission, details, key=key, status=422)
    number = str(created.body["case"]["number"])
    confirmation = (
        translate("applications.submitted"),
        translate("applications.submitted_detail", number=number),
    )
    return await page.draw(submission, [], key=key, confirmation=confirmation)


ROUTES = (application_page, submit_application_page)
