"""The citizen's application page: the envelope and the service item's business form on one
server-rendered page; its valid post stores the application, opens the case and shows
the case number.

    GET  /r/{code}/services/{id}/apply   public (the guide links here)
    POST /r/{code}/services/{id}/apply   case write (a signed-in applicant), forms

The page is drawn in the region's layout (`portal/templates/application.html`
through `portal.rendering.page`), like every subsite page: the province, the
region and its switch, the three themes and the account part; the resumed
draft too. It works without JavaScript, like the form page. The page carries an
idempotency key of its own (`_submission`, made when the page is drawn), so
a second click on 提交 answers with the first case instead of a second one.
Errors from the records room come back beside their fields.

The form posts `multipart/form-data`: each chosen file, in a file field or a
table row's file column, is stored and verified through the attachments service
(`page_files`) and its field or cell then holds the stored attachment, shown
again on every later draw; a refused file is an error at its field (or its
`/table/row/column`), the rest as typed. 保存草稿 (`_save_draft`) keeps
what was typed and uploaded for the signed-in person and this service item
(`drafts`), its files only those the person uploaded and the server verified
for that field (a ref naming another's is refused at its field, the rest is
saved); the empty page resumes it; a submitted application deletes it. On 提交
the records room checks every file the post names (`records.attached`).
"""

from __future__ import annotations

import json
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
from yiwang.policy.guards import Access
from yiwang.runtime.applications.controllers import ONLINE_KINDS
from yiwang.runtime.applications.drafts.service import Drafts, SavedDraft
from yiwang.runtime.applications.page_files import draft_files, relocated, store_posted_files
from yiwang.runtime.applications.service import Applications
from yiwang.runtime.applications.uploads import PageUploads
from yiwang.runtime.attachments.dependencies import AttachmentServices
from yiwang.runtime.attachments.references import References
from yiwang.runtime.forms import composed
from yiwang.runtime.forms.options import FormOptions
from yiwang.runtime.forms.rendering import render_form
from yiwang.runtime.forms.values import (
    ADD_ROW,
    FILE_PREFIX,
    REMOVE_ROW,
    Submission,
    read_submission,
)
from yiwang.runtime.portal.rendering import page, region_of
from yiwang.runtime.portal.viewer import PublicSite, Viewer, guarded_viewer
from yiwang.runtime.records.service import RecordService, ServiceItem
from yiwang.runtime.routes.actions import Actor
from yiwang.tenants.directory import TenantDirectory
from yiwang.tenants.tree import TenantNode

PATH: Final = "/r/{code:str}/services/{service_item_id:int}/apply"
#: the application type and its citizen form (the envelope); business forms name theirs `apply`
ENVELOPE: Final = ("application", "apply")
BUSINESS_FORM: Final = "apply"
PREFIX: Final = "application"
SUBMISSION_FIELD: Final = "_submission"
SAVE_DRAFT: Final = "_save_draft"
#: what the page posts beside the form's own fields (never kept in a draft)
PAGE_FIELDS: Final = frozenset({"_csrf", SUBMISSION_FIELD, SAVE_DRAFT})
PUBLIC: Final = {"public": True}
APPLY_FORM: Final = {"object": "case", "action": "write", "forms": True}


class _Page:
    """What both handlers draw: the composed descriptor and the pickers' choices, in the
    region's layout for the person looking."""

    def __init__(
        self,
        request: Request[Any, Any, Any],
        metadata: MetadataService,
        directory: TenantDirectory,
        tenant: TenantNode,
        item: ServiceItem,
        viewer: Viewer | None,
    ) -> None:
        self.request = request
        self.metadata = metadata
        self.directory = directory
        self.options = FormOptions(metadata, directory, directory.tree)
        self.tenant = tenant
        self.code = tenant.code
        self.item = item
        self.viewer = viewer
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
        notice: str | None = None,
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
            uploads=True,
            actions=((SAVE_DRAFT, translate("applications.save_draft")),),
        )
        return page(
            self.request,
            self.directory,
            self.tenant,
            "application.html",
            viewer=self.viewer,
            status=status,
            title=descriptor["label"],
            form=html,
            confirmation=confirmation,
            notice=notice,
            guide_url=f"/r/{self.code}/services/{self.item.id}",
        )

    def item_of(self, field: str) -> tuple[str, str]:
        """The item type and field (`key` or `table/column`) a page field's upload is for."""
        if field.startswith(PREFIX + "."):
            return ENVELOPE[0], field[len(PREFIX) + 1 :]
        return self.business_form, field


def _draft_values(posted: Mapping[str, list[Any]]) -> dict[str, list[str]]:
    """What a draft keeps of a post: the typed texts, not the page's own fields or files."""
    return {
        name: [v for v in values if isinstance(v, str)]
        for name, values in posted.items()
        if name not in PAGE_FIELDS and not name.startswith(FILE_PREFIX)
    }


def _resumed(descriptor: Mapping[str, Any], draft: SavedDraft) -> Submission:
    posted: dict[str, list[str]] = dict(draft.values)
    for key, refs in draft.attachments.items():
        posted[FILE_PREFIX + key] = [json.dumps(r, ensure_ascii=False) for r in refs]
    return read_submission(descriptor, posted)


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
    records: RecordService,
    metadata: MetadataService,
    site: PublicSite,
    code: str,
    service_item_id: int,
) -> Response[str]:
    """The application form of a service item offered online: empty, or the signed-in
    person's draft of it."""
    tenant = region_of(request, code)
    tenant_id = tenant.id
    await records.uow.use_scope(TenantScope.single(tenant_id))
    item = await records.service_item(service_item_id, online=True)
    viewer = await site.viewer(request)
    screen = _Page(request, metadata, site.directory, tenant, item, viewer)
    draft = (
        await Drafts(records.uow).get(tenant_id, viewer.account_id, service_item_id)
        if viewer is not None
        else None
    )
    if draft is None:
        return await screen.draw(None, [], key=_new_key())
    resumed = _resumed(await screen.descriptor(), draft)
    return await screen.draw(
        resumed, [], key=_new_key(), notice=translate("applications.draft_resumed")
    )


@post(PATH, opt=APPLY_FORM, include_in_schema=False)
async def submit_application_page(
    request: Request[Any, Any, Any],
    access: Access,
    case_actor: Actor,
    applications: Applications,
    metadata: MetadataService,
    directory: TenantDirectory,
    attachment_services: AttachmentServices,
    code: str,
    service_item_id: int,
) -> Response[str]:
    """Store the files, then the application and its case (or the draft); or show the
    errors beside their fields."""
    tenant = region_of(request, code)
    online = access.principal.kind in ONLINE_KINDS
    item = await applications.records.service_item(service_item_id, online=online)
    screen = _Page(request, metadata, directory, tenant, item, guarded_viewer(request))
    posted = (await request.form()).dict()
    key = _posted_key(posted)
    descriptor = await screen.descriptor()
    uploads = PageUploads(attachment_services, attachment_services.attachments(applications.uow))
    refused = await store_posted_files(access, uploads, descriptor, posted, screen.item_of)
    submission = read_submission(descriptor, posted)
    submission.problems.extend(relocated(refused, submission))
    if ADD_ROW in posted or REMOVE_ROW in posted:
        return await screen.draw(submission, submission.problems, key=key)
    drafts = Drafts(applications.uow)
    owner = (access.tenant.id, access.principal.account_id, service_item_id)
    if SAVE_DRAFT in posted:
        files, foreign = await draft_files(
            access, References(applications.uow), descriptor, posted, screen.item_of
        )
        await drafts.save(
            access.tenant.id,
            access.principal.account_id,
            service_item_id,
            _draft_values(posted),
            files,
        )
        return await screen.draw(
            submission,
            [*submission.problems, *relocated(foreign, submission)],
            key=key,
            notice=translate("applications.draft_saved"),
        )
    if submission.problems:
        return await screen.draw(submission, submission.problems, key=key, status=422)
    envelope, business = composed.split(submission.payload, PREFIX)
    try:
        # a refused post writes nothing (not even the claimed key), yet answers 422 with the page
        async with applications.uow.savepoint():
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
        return await screen.draw(submission, details, key=key, status=422)
    await drafts.drop(*owner)
    number = str(created.body["case"]["number"])
    confirmation = (
        translate("applications.submitted"),
        translate("applications.submitted_detail", number=number),
    )
    return await screen.draw(submission, [], key=key, confirmation=confirmation)


ROUTES = (application_page, submit_application_page)
