"""Before and after publishing: the draft's diff, impact and citizen forms, the publish
form, the versions and the rollback form (each change confirmed by a tick)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from litestar import Request, Response, get, post
from litestar.response import Redirect

from yiwang.metadata.generators.descriptors import citizen_form_descriptor
from yiwang.metadata.resolution.resolve import EffectiveModel, freeze
from yiwang.metadata.versions.service import MetadataService
from yiwang.platform.errors import YiwangError
from yiwang.platform.i18n import translate
from yiwang.runtime.console.staff import ConsoleParts
from yiwang.runtime.forms.rendering import render_form
from yiwang.runtime.model_editor import edits, views
from yiwang.runtime.model_editor.pages.page import (
    INSPECT,
    NOTE_MAX,
    PUBLISH,
    PUBLISH_FORM,
    EditorPage,
    model_url,
)


def _forms(model: EffectiveModel) -> list[dict[str, str]]:
    """The citizen forms of a model, for the preview links."""
    return [
        {
            "key": key,
            "form": form,
            "label": str(definition.get("label", form)),
            "type": str(doc["label"]),
        }
        for key, doc in model.documents.items()
        for form, definition in doc.get("forms", {}).items()
        if definition.get("audience") == "citizen"
    ]


async def _preview_page(
    page: EditorPage,
    *,
    status: int = 200,
    errors: Mapping[str, str] | None = None,
    note: str = "",
) -> Response[str]:
    code = page.code
    draft = await page.metadata.draft(code)
    context: dict[str, Any] = {
        "has_draft": draft is not None,
        "problems": [],
        "changes": [],
        "impact": None,
        "forms": [],
        "errors": errors or {},
        "note": note,
        "publish_url": model_url(code, "publish"),
    }
    if draft is not None:
        problems = await page.metadata.validate(code, draft)
        context["problems"] = problems
        if not problems:
            model = freeze(code, await page.metadata.candidate_layers(code, draft))
            context["changes"] = [
                {
                    "kind": translate(f"model_editor.preview.change.{c.kind}"),
                    "pointer": c.pointer,
                    "before": views.shown(c.before),
                    "after": views.shown(c.after),
                }
                for c in await page.metadata.diff_draft(code)
            ]
            impact = await page.metadata.preview_draft(code)
            context["impact"] = {
                "checked": impact.checked,
                "conflicts": [
                    (page.tree.node(t).name, [d.message() for d in details])
                    for t, details in impact.conflicts.items()
                ],
                "invalid": [
                    (
                        page.tree.node(t).name,
                        count,
                        views.first_invalid(list(impact.first_invalid.get(t, []))),
                    )
                    for t, count in impact.invalid_records.items()
                ],
            }
            context["forms"] = [
                {**f, "url": model_url(code, "preview", f["key"], f["form"])} for f in _forms(model)
            ]
    return page.render("preview.html", "preview", status=status, **context)


@get("/preview", opt=PUBLISH, include_in_schema=False)
async def preview_page(
    request: Request[Any, Any, Any], metadata: MetadataService, console: ConsoleParts, code: str
) -> Response[str]:
    """What publishing the draft would change: the diff, the impact below, the forms."""
    return await _preview_page(await EditorPage.open(request, metadata, console, code))


@get("/preview/{key:str}/{form:str}", opt=INSPECT, include_in_schema=False)
async def preview_form(
    request: Request[Any, Any, Any],
    metadata: MetadataService,
    console: ConsoleParts,
    code: str,
    key: str,
    form: str,
) -> Response[str]:
    """The citizen form as the draft would make it, drawn by the forms room's renderer."""
    page = await EditorPage.open(request, metadata, console, code)
    model, _ = await page.working(await metadata.draft(code))
    descriptor = citizen_form_descriptor(model, code, key, form)
    html = render_form(descriptor, None, [], action=request.url.path)
    return page.render(
        "preview_form.html",
        "preview",
        title=descriptor["label"],
        form=html,
        back=model_url(code, "preview"),
    )


@post("/publish", opt=PUBLISH_FORM, include_in_schema=False)
async def publish(
    request: Request[Any, Any, Any], metadata: MetadataService, console: ConsoleParts, code: str
) -> Response[Any]:
    """Publish the draft once the operator ticked the confirmation."""
    page = await EditorPage.open(request, metadata, console, code)
    values = edits.posted_values((await request.form()).dict())
    note = values.get("note", "")[: NOTE_MAX * 2]
    if values.get("confirm") != "on":
        errors = {"confirm": translate("model_editor.publish.confirm_required")}
        return await _preview_page(page, status=422, errors=errors, note=note)
    if len(note) > NOTE_MAX:
        errors = {
            "note": translate(
                "model_editor.value.too_long",
                label=translate("model_editor.publish.note"),
                max=NOTE_MAX,
            )
        }
        return await _preview_page(page, status=422, errors=errors, note=note)
    try:
        done = await metadata.publish(code, note=note or None)
    except YiwangError as refused:
        if refused.status == 404:
            raise
        return await _preview_page(
            page, status=refused.status, errors={"form": refused.message()}, note=note
        )
    return Redirect(
        model_url(code, "versions") + f"?done=published&number={done.number}", status_code=303
    )


async def _versions_page(
    page: EditorPage, *, status: int = 200, errors: Mapping[str, str] | None = None
) -> Response[str]:
    history = await page.metadata.history(page.code)
    rows = [
        {
            "number": v.number,
            "status": translate(f"model_editor.versions.status.{v.status}"),
            "current": v.status == "current",
            "published_at": v.published_at.strftime("%Y-%m-%d %H:%M") if v.published_at else "",
            "published_by": v.published_by or "",
            "note": v.note or "",
        }
        for v in history
    ]
    current = next((v for v in history if v.status == "current"), None)
    return page.render(
        "versions.html",
        "versions",
        status=status,
        versions=rows,
        can_roll_back=current is not None and current.previous_id is not None,
        rollback_url=model_url(page.code, "rollback"),
        errors=errors or {},
    )


@get("/versions", opt=INSPECT, include_in_schema=False)
async def versions_page(
    request: Request[Any, Any, Any], metadata: MetadataService, console: ConsoleParts, code: str
) -> Response[str]:
    """The tenant's published versions, newest first, and the rollback form."""
    return await _versions_page(await EditorPage.open(request, metadata, console, code))


@post("/rollback", opt=PUBLISH_FORM, include_in_schema=False)
async def rollback(
    request: Request[Any, Any, Any], metadata: MetadataService, console: ConsoleParts, code: str
) -> Response[Any]:
    """Make the previous version current again, once confirmed."""
    page = await EditorPage.open(request, metadata, console, code)
    values = edits.posted_values((await request.form()).dict())
    if values.get("confirm") != "on":
        errors = {"confirm": translate("model_editor.rollback.confirm_required")}
        return await _versions_page(page, status=422, errors=errors)
    try:
        done = await metadata.rollback(code)
    except YiwangError as refused:
        if refused.status == 404:
            raise
        return await _versions_page(page, status=refused.status, errors={"form": refused.message()})
    return Redirect(
        model_url(code, "versions") + f"?done=rolled_back&number={done.number}", status_code=303
    )
