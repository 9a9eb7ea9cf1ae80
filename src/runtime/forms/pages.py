"""The citizen form page: the descriptor rendered on the server, checked on POST.

It works without JavaScript. A valid post shows "校验通过" and stores
nothing: `on_valid` is the hook the records room replaces with "create the
application" once records exist.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from litestar import Request, Response, get, post
from litestar.exceptions import NotFoundException

from yiwang.metadata.documents.errors import FormInvalid
from yiwang.metadata.generators.descriptors import citizen_form_descriptor
from yiwang.metadata.generators.validation import form_validator
from yiwang.metadata.versions.service import MetadataService
from yiwang.platform.edge.csrf import CSRF_COOKIE
from yiwang.platform.errors import ErrorDetail
from yiwang.runtime.forms.options import FormOptions
from yiwang.runtime.forms.rendering import render_form, render_page
from yiwang.runtime.forms.values import ADD_ROW, REMOVE_ROW, Submission, read_submission
from yiwang.runtime.static.files import asset_url
from yiwang.tenants.directory import TenantDirectory
from yiwang.tenants.subsite import tenant_of
from yiwang.tenants.tree import TenantTree

PUBLIC = {"public": True}
#: the page posts an HTML form: the edge accepts its encodings and reads `_csrf` from it
PUBLIC_FORM = {"public": True, "forms": True}
#: what happens to a valid submission: (tenant code, type, form, payload); stores nothing yet
OnValid = Callable[[str, str, str, Mapping[str, Any]], Awaitable[None]]


async def validated_only(code: str, key: str, form: str, payload: Mapping[str, Any]) -> None:
    """The hook records will replace: nothing is stored before they exist."""
    return None


ON_VALID: list[OnValid] = [validated_only]


def _html(body: str, status: int = 200) -> Response[str]:
    return Response(body, status_code=status, media_type="text/html; charset=utf-8")


def tenant_name(request: Request[Any, Any, Any], code: str) -> str:
    tenant = tenant_of(request.scope)
    if tenant is None or tenant.code != code:
        raise NotFoundException()
    return tenant.name


async def _page(
    request: Request[Any, Any, Any],
    metadata: MetadataService,
    options: FormOptions,
    code: str,
    key: str,
    form: str,
    values: Submission | None,
    errors: list[ErrorDetail],
    *,
    valid: bool = False,
    status: int = 200,
) -> Response[str]:
    name = tenant_name(request, code)
    model = await metadata.effective(code)
    descriptor = citizen_form_descriptor(model, code, key, form)
    html = render_form(
        descriptor,
        values,
        errors,
        action=request.url.path,
        choices=await options.for_form(code, key, form),
        csrf_token=request.cookies.get(CSRF_COOKIE),
    )
    body = render_page(
        "form_page.html",
        code=code,
        tenant_name=name,
        title=descriptor["label"],
        form=html,
        valid=valid,
        stylesheet=asset_url("forms.css"),
    )
    return _html(body, status)


@get("/r/{code:str}/forms/{key:str}/{form:str}", opt=PUBLIC, include_in_schema=False)
async def form_page(
    request: Request[Any, Any, Any],
    metadata: MetadataService,
    directory: TenantDirectory,
    tree: TenantTree,
    code: str,
    key: str,
    form: str,
) -> Response[str]:
    options = FormOptions(metadata, directory, tree)
    return await _page(request, metadata, options, code, key, form, None, [])


@post("/r/{code:str}/forms/{key:str}/{form:str}", opt=PUBLIC_FORM, include_in_schema=False)
async def submit_form_page(
    request: Request[Any, Any, Any],
    metadata: MetadataService,
    directory: TenantDirectory,
    tree: TenantTree,
    code: str,
    key: str,
    form: str,
) -> Response[str]:
    """Validate as the API would; show the errors beside the fields, keeping the input."""
    options = FormOptions(metadata, directory, tree)
    model = await metadata.effective(code)
    descriptor = citizen_form_descriptor(model, code, key, form)
    posted = (await request.form()).dict()
    submission = read_submission(descriptor, posted)
    if ADD_ROW in posted or REMOVE_ROW in posted:
        return await _page(request, metadata, options, code, key, form, submission, [])
    validator = form_validator(model, key, form)
    errors = list(submission.problems)
    try:
        validator.validate(submission.payload)
    except FormInvalid as invalid:
        read = {d.pointer for d in submission.problems}
        errors.extend(d for d in invalid.details if d.pointer not in read)
    if errors:
        return await _page(
            request, metadata, options, code, key, form, submission, errors, status=422
        )
    for hook in ON_VALID:
        await hook(code, key, form, submission.payload)
    return await _page(request, metadata, options, code, key, form, submission, [], valid=True)
