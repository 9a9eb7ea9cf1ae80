"""The citizen's application page: the envelope and the service item's business form on one
server-rendered page; its valid post stores the application, opens the case and shows
the case number.

    GET  /r/{code}/services/{id}/apply   public (the guide links here)
    POST /r/{code}/services/{id}/apply   case write (a signed-in applicant), forms

It works without JavaScript, like the form page. The page carries an
idempotency key of its own (`_submission`, made when the page is drawn), so
a second click on 提交 answers with the first case instead of a second one.
Errors from the records room come back beside their fields.

The form posts `multipart/form-data`: each chosen file is stored and verified
through the attachments service (`uploads.PageUploads`) and its field then
holds the stored attachment, shown again on every later draw; a refused file
is an error at its field, the rest as typed. 保存草稿 (`_save_draft`) keeps
what was typed and uploaded for the signed-in person and this service item
(`drafts`); the empty page resumes it; a submitted application deletes it.
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
from yiwang.runtime.applications.service import Applications
from yiwang.runtime.applications.uploads import PageUploads, uploaded_files
from yiwang.runtime.attachments.dependencies import AttachmentServices
from yiwang.runtime.forms import composed
from yiwang.runtime.forms.fields import form_specs
from yiwang.runtime.forms.options import FormOptions
from yiwang.runtime.forms.pages import tenant_name
from yiwang.runtime.forms.rendering import render_form, render_page
from yiwang.runtime.forms.values import (
    ADD_ROW,
    FILE_PREFIX,
    REMOVE_ROW,
    Submission,
    read_submission,
)
from yiwang.runtime.portal.viewer import PublicSite
from yiwang.runtime.records.service import RecordService, ServiceItem
from yiwang.runtime.routes.actions import Actor
from yiwang.runtime.static.files import asset_url
from yiwang.tenants.directory import TenantDirectory

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
        body = render_page(
            "form_page.html",
            code=self.code,
            tenant_name=tenant_name(self.request, self.code),
            title=descriptor["label"],
            form=html,
            valid=confirmation is not None,
            confirmation_title=confirmation[0] if confirmation else None,
            confirmation_detail=confirmation[1] if confirmation else None,
            notice=notice,
            stylesheet=asset_url("forms.css"),
        )
        return _html(body, status)

    async def store_files(
        self, access: Access, uploads: PageUploads, posted: dict[str, list[Any]], sub: Submission
    ) -> None:
        """Store each posted file; its field then holds it (or says why it was refused)."""
        for key, spec in form_specs(await self.descriptor()).items():
            if spec.kind not in ("file", "files"):
                continue
            files = uploaded_files(posted, key)
            if not files:
                continue
            item_type, field = (
                (ENVELOPE[0], key[len(PREFIX) + 1 :])
                if key.startswith(PREFIX + ".")
                else (self.business_form, key)
            )
            stored: list[dict[str, Any]] = []
            for upload in files if spec.kind == "files" else files[:1]:
                done = await uploads.store(access, item_type, field, upload, "/" + key)
                if done.problem is not None:
                    sub.problems.append(done.problem)
                elif done.value is not None:
                    stored.append(done.value)
            if not stored:
                continue
            refs = [*sub.typed.get(key, []), *stored] if spec.kind == "files" else stored
            sub.typed[key] = refs
            sub.payload[key] = refs if spec.kind == "files" else refs[0]


def _draft_values(posted: Mapping[str, list[Any]]) -> dict[str, list[str]]:
    """What a draft keeps of a post: the typed texts, not the page's own fields or files."""
    return {
        name: [v for v in values if isinstance(v, str)]
        for name, values in posted.items()
        if name not in PAGE_FIELDS and not name.startswith(FILE_PREFIX)
    }


def _draft_files(descriptor: Mapping[str, Any], sub: Submission) -> dict[str, list[Any]]:
    return {
        key: list(sub.typed.get(key) or [])
        for key, spec in form_specs(descriptor).items()
        if spec.kind in ("file", "files")
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
    tenant_name(request, code)
    directory = site.directory
    tree = directory.tree
    tenant_id = tree.node(code).id
    await records.uow.use_scope(TenantScope.single(tenant_id))
    item = await records.service_item(service_item_id, online=True)
    page = _Page(request, metadata, FormOptions(metadata, directory, tree), code, item)
    viewer = await site.viewer(request)
    draft = (
        await Drafts(records.uow).get(tenant_id, viewer.account_id, service_item_id)
        if viewer is not None
        else None
    )
    if draft is None:
        return await page.draw(None, [], key=_new_key())
    resumed = _resumed(await page.descriptor(), draft)
    return await page.draw(
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
    tenant_name(request, code)
    online = access.principal.kind in ONLINE_KINDS
    item = await applications.records.service_item(service_item_id, online=online)
    tree = directory.tree
    page = _Page(request, metadata, FormOptions(metadata, directory, tree), code, item)
    posted = (await request.form()).dict()
    key = _posted_key(posted)
    descriptor = await page.descriptor()
    submission = read_submission(descriptor, posted)
    uploads = PageUploads(attachment_services, attachment_services.attachments(applications.uow))
    await page.store_files(access, uploads, posted, submission)
    if ADD_ROW in posted or REMOVE_ROW in posted:
        return await page.draw(submission, submission.problems, key=key)
    drafts = Drafts(applications.uow)
    owner = (access.tenant.id, access.principal.account_id, service_item_id)
    if SAVE_DRAFT in posted:
        await drafts.save(
            access.tenant.id,
            access.principal.account_id,
            service_item_id,
            _draft_values(posted),
            _draft_files(descriptor, submission),
        )
        return await page.draw(
            submission,
            submission.problems,
            key=key,
            notice=translate("applications.draft_saved"),
        )
    if submission.problems:
        return await page.draw(submission, submission.problems, key=key, status=422)
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
        return await page.draw(submission, details, key=key, status=422)
    await drafts.drop(*owner)
    number = str(created.body["case"]["number"])
    confirmation = (
        translate("applications.submitted"),
        translate("applications.submitted_detail", number=number),
    )
    return await page.draw(submission, [], key=key, confirmation=confirmation)


ROUTES = (application_page, submit_application_page)
