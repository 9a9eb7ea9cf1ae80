"""The item types and one type's page with its five edit forms; an edit goes into the
draft only when the next version it makes adds no problem, else every refusal is shown
at the control its JSON pointer names, with what was typed kept."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final

from litestar import Request, Response, get, post
from litestar.exceptions import NotFoundException
from litestar.handlers import HTTPRouteHandler
from litestar.response import Redirect

from yiwang.metadata.resolution.resolve import EffectiveModel
from yiwang.metadata.versions.service import MetadataService
from yiwang.platform.i18n import translate
from yiwang.policy.catalogue import RoleCatalogue
from yiwang.runtime.console.staff import ConsoleParts
from yiwang.runtime.model_editor import edits, views
from yiwang.runtime.model_editor.pages.page import INSPECT, WRITE_FORM, EditorPage, model_url
from yiwang.tenants.tree import TenantTree


@get("/", opt=INSPECT, include_in_schema=False)
async def types_page(
    request: Request[Any, Any, Any], metadata: MetadataService, console: ConsoleParts, code: str
) -> Response[str]:
    """The tenant's item types, how many local fields each has, and the draft's state."""
    page = await EditorPage.open(request, metadata, console, code)
    draft = await metadata.draft(code)
    model, problems = await page.working(draft)
    rows = [
        {
            "key": key,
            "label": doc["label"],
            "kind": translate(f"model_editor.kind.{doc['kind']}"),
            "local": views.local_count(model, key),
            "url": model_url(code, "types", key),
        }
        for key, doc in model.documents.items()
    ]
    return page.render(
        "types.html",
        "types",
        types=rows,
        has_draft=draft is not None,
        problems=problems,
        is_root=page.is_root,
    )


def _type_context(
    model: EffectiveModel, key: str, tree: TenantTree, catalogue: RoleCatalogue
) -> dict[str, Any]:
    document = model.document(key)
    shared = set(model.layers[-1].model.code_lists)
    return {
        "key": key,
        "document": document,
        "fields": views.field_rows(model, key, tree),
        "code_lists": [
            {
                "key": k,
                "label": cl.get("label", k),
                "shared": k in shared,
                "values": [(v["code"], v["label"]) for v in cl.get("values", [])],
            }
            for k, cl in document.get("code_lists", {}).items()
        ],
        "routes": [
            {
                "key": k,
                "label": r.get("label", k),
                "statutory": r.get("statutory_days"),
                "promised": r.get("promised_days"),
                "steps": r["steps"],
            }
            for k, r in document.get("routes", {}).items()
        ],
        "choices": {
            "types": [(t, translate(f"model_editor.type.{t}")) for t in edits.FIELD_TYPES],
            "placements": edits.placements(document),
            "lists": edits.code_lists(document),
            "optional": edits.optional_fields(document),
            "routes": [(k, label) for k, label, _ in edits.route_steps(document)],
            "after": [
                (step, f"{label} · {step_label}")
                for _, label, steps in edits.route_steps(document)
                for step, step_label in steps
            ],
            "kinds": [(k, translate(f"model_editor.step_kind.{k}")) for k in edits.STEP_KINDS],
            "roles": sorted(
                ((r.key, r.name) for r in catalogue.roles.values() if r.grantable),
                key=lambda pair: pair[0],
            ),
            "on_reject": [(k, translate(f"model_editor.on_reject.{k}")) for k in edits.ON_REJECT],
        },
    }


async def _type_page(
    page: EditorPage,
    catalogue: RoleCatalogue,
    key: str,
    *,
    errors: Mapping[str, Mapping[str, Sequence[str]]] | None = None,
    typed: Mapping[str, Mapping[str, str]] | None = None,
    status: int = 200,
) -> Response[str]:
    draft = await page.metadata.draft(page.code)
    model, problems = await page.working(draft)
    return page.render(
        "type.html",
        "types",
        status=status,
        has_draft=draft is not None,
        problems=problems,
        is_root=page.is_root,
        errors=errors or {},
        typed=typed or {},
        action=lambda edit: model_url(page.code, "types", key, edit),
        **_type_context(model, key, page.tree, catalogue),
    )


@get("/types/{key:str}", opt=INSPECT, include_in_schema=False)
async def type_page(
    request: Request[Any, Any, Any],
    metadata: MetadataService,
    console: ConsoleParts,
    catalogue: RoleCatalogue,
    code: str,
    key: str,
) -> Response[str]:
    """A type's effective fields (base or local), code lists, routes, and the edit forms."""
    return await _type_page(await EditorPage.open(request, metadata, console, code), catalogue, key)


def _build(
    edit: str,
    overlay: Mapping[str, Any],
    key: str,
    model: EffectiveModel,
    catalogue: RoleCatalogue,
    values: Mapping[str, str],
) -> edits.Edit:
    document = model.document(key)
    if edit == "add-field":
        return edits.add_field(overlay, key, document, values)
    if edit == "add-code":
        shared = list(model.layers[-1].model.code_lists)
        return edits.add_code(overlay, key, document, shared, values)
    if edit == "require":
        return edits.require(overlay, key, document, values)
    if edit == "insert-step":
        roles = [r.key for r in catalogue.roles.values() if r.grantable]
        return edits.insert_step(overlay, key, document, roles, values)
    return edits.promise(overlay, key, document, values)


async def _edit(
    request: Request[Any, Any, Any],
    metadata: MetadataService,
    console: ConsoleParts,
    catalogue: RoleCatalogue,
    code: str,
    key: str,
    edit: str,
) -> Response[Any]:
    """One edit into the draft: stored when it adds no problem, else every refusal at its field."""
    page = await EditorPage.open(request, metadata, console, code)
    if page.is_root:
        raise NotFoundException()
    overlay, _ = await page.overlay()
    model, before = await page.working(overlay)
    values = edits.posted_values((await request.form()).dict())
    made = _build(edit, overlay, key, model, catalogue, values)
    found: dict[str, list[str]] = {}
    if made.ok:
        known = {(d.code, d.pointer) for d in before}
        added = [
            d
            for d in await metadata.validate(code, made.overlay)
            if (d.code, d.pointer) not in known
        ]
        if not added:
            await metadata.save_draft(code, made.overlay)
            return Redirect(model_url(code, "types", key) + "?done=saved", status_code=303)
        for detail in added:
            control = edits.control_for(detail.pointer or "", made.controls) or "_form"
            found.setdefault(control, []).append(detail.message())
    else:
        found = {name: [message] for name, message in made.problems.items()}
    return await _type_page(
        page, catalogue, key, errors={edit: found}, typed={edit: values}, status=422
    )


def _edit_route(edit: str) -> HTTPRouteHandler:
    """The POST route of one edit form (one route each: the path names no object)."""

    async def handler(
        request: Request[Any, Any, Any],
        metadata: MetadataService,
        console: ConsoleParts,
        catalogue: RoleCatalogue,
        code: str,
        key: str,
    ) -> Response[Any]:
        return await _edit(request, metadata, console, catalogue, code, key, edit)

    handler.__name__ = handler.__qualname__ = "edit_" + edit.replace("-", "_")
    return post(f"/types/{{key:str}}/{edit}", opt=WRITE_FORM, include_in_schema=False)(handler)


EDIT_ROUTES: Final = tuple(_edit_route(edit) for edit in edits.EDITS)


@post("/draft/discard", opt=WRITE_FORM, include_in_schema=False)
async def discard_draft(
    request: Request[Any, Any, Any], metadata: MetadataService, console: ConsoleParts, code: str
) -> Response[Any]:
    await EditorPage.open(request, metadata, console, code)
    await metadata.discard_draft(code)
    return Redirect(model_url(code) + "?done=discarded", status_code=303)
