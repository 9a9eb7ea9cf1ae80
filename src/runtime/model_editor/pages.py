"""The operator's metadata editor: server-rendered pages over the tenant's overlay draft.

    GET  /console/t/{code}/model                           item types (metadata inspect)
    GET  /console/t/{code}/model/types/{key}               fields, lists, routes; five forms
    POST /console/t/{code}/model/types/{key}/<edit>        one edit into the draft (write, forms):
                                                           add-field, add-code, require,
                                                           insert-step, promise
    POST /console/t/{code}/model/draft/discard             drop the draft (write, forms)
    GET  /console/t/{code}/model/preview                   diff, impact, publish form (publish)
    GET  /console/t/{code}/model/preview/{key}/{form}      the draft's citizen form (inspect)
    POST /console/t/{code}/model/publish                   publish the draft (publish, forms)
    GET  /console/t/{code}/model/versions                  versions, rollback form (inspect)
    POST /console/t/{code}/model/rollback                  roll back (publish, forms)

Every change goes through `MetadataService`, as the JSON API's does: an edit is
checked as the tenant's next version and stored only if it adds no problem, and
each refusal is shown beside the control whose JSON pointer it names, with what
was typed kept. The guard decides who may come (another region's staff 404, a
citizen 403); a signed-out browser is sent to the console's sign-in.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Final

from litestar import Request, Response, get, post
from litestar.exceptions import NotFoundException
from litestar.handlers import HTTPRouteHandler
from litestar.response import Redirect
from litestar.router import Router

from yiwang.metadata.documents.errors import MetadataInvalid
from yiwang.metadata.generators.descriptors import citizen_form_descriptor
from yiwang.metadata.resolution.resolve import EffectiveModel, freeze
from yiwang.metadata.versions.service import MetadataService
from yiwang.platform.edge.csrf import CSRF_COOKIE
from yiwang.platform.errors import ErrorDetail, NotFound, YiwangError
from yiwang.platform.i18n import translate
from yiwang.policy.catalogue import RoleCatalogue
from yiwang.runtime.console.access import SIGN_IN_FIRST
from yiwang.runtime.console.shell import console_shell
from yiwang.runtime.forms.rendering import render_form
from yiwang.runtime.model_editor import edits, views
from yiwang.tenants.tree import TenantNode, TenantTree

TEMPLATES: Final = Path(__file__).resolve().parent / "templates"
BASE: Final = "/console/t/{code:str}/model"
#: the editor's entry in the console's menu (`runtime/console/navigation.py`)
MENU_KEY: Final = "model"
INSPECT: Final = {"object": "metadata", "action": "inspect"}
WRITE_FORM: Final = {"object": "metadata", "action": "write", "forms": True}
PUBLISH: Final = {"object": "metadata", "action": "publish"}
PUBLISH_FORM: Final = {"object": "metadata", "action": "publish", "forms": True}
NOTE_MAX: Final = 200
#: what a redirect after a change tells the page to say
DONE: Final = {
    "saved": "model_editor.draft.saved",
    "discarded": "model_editor.draft.discarded",
    "published": "model_editor.publish.done",
    "rolled_back": "model_editor.rollback.done",
}


def model_url(code: str, *tail: str) -> str:
    return "/".join([f"/console/t/{code}/model", *tail])


def _html(body: str, status: int = 200) -> Response[str]:
    return Response(
        body,
        status_code=status,
        media_type="text/html; charset=utf-8",
        headers={"cache-control": "no-store"},
    )


class EditorPage:
    """What every page reads: the request, the tenant, its draft and the metadata service."""

    def __init__(
        self,
        request: Request[Any, Any, Any],
        metadata: MetadataService,
        tree: TenantTree,
        code: str,
    ) -> None:
        self.request = request
        self.metadata = metadata
        self.tree = tree
        self.code = code
        found = tree.get(code)
        if found is None:
            raise NotFoundException()
        self.tenant: TenantNode = found

    @property
    def is_root(self) -> bool:
        return self.tenant.parent_code is None

    async def overlay(self) -> tuple[dict[str, Any], bool]:
        """The draft, or (no draft yet) a copy of the current overlay to start one from."""
        draft = await self.metadata.draft(self.code)
        if draft is not None:
            return draft, True
        try:
            current = (await self.metadata.export(self.code))["content"]
        except NotFound:
            current = {"tenant": self.code, "documents": {}}
        return copy.deepcopy(current), False

    async def working(
        self, overlay: Mapping[str, Any] | None
    ) -> tuple[EffectiveModel, list[ErrorDetail]]:
        """The model with the draft applied (and the draft's problems); the published
        one when the draft does not resolve."""
        if overlay is None or self.is_root:
            return await self.metadata.effective(self.code), []
        try:
            layers = await self.metadata.candidate_layers(self.code, overlay)
        except MetadataInvalid as exc:
            return await self.metadata.effective(self.code), exc.details
        return freeze(self.code, layers), []

    def shell(self, current: str) -> dict[str, Any]:
        """The console's layout for this tenant (模型 marked), with the editor's own pages
        as a second menu."""
        subnav = [
            (translate(f"model_editor.nav.{name}"), url, name == current)
            for name, url in (
                ("types", model_url(self.code)),
                ("preview", model_url(self.code, "preview")),
                ("versions", model_url(self.code, "versions")),
            )
        ]
        return {
            **console_shell(self.request, self.tree, self.tenant, None, MENU_KEY),
            "subnav": subnav,
            "code": self.code,
            "csrf": self.request.cookies.get(CSRF_COOKIE, ""),
            "done": self._done(),
        }

    def _done(self) -> str | None:
        done = self.request.query_params.get("done")
        if done not in DONE:
            return None
        number = self.request.query_params.get("number", "")
        return translate(DONE[done], number=number[:8] if number.isdigit() else "")

    def render(
        self, name: str, current: str, *, status: int = 200, **context: Any
    ) -> Response[str]:
        engine = self.request.app.template_engine
        template = engine.get_template(f"model_editor/{name}")  # type: ignore[union-attr]
        return _html(template.render(**self.shell(current), **context), status)


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


@get("/", opt=INSPECT, include_in_schema=False)
async def types_page(
    request: Request[Any, Any, Any], metadata: MetadataService, tree: TenantTree, code: str
) -> Response[str]:
    """The tenant's item types, how many local fields each has, and the draft's state."""
    page = EditorPage(request, metadata, tree, code)
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
    tree: TenantTree,
    catalogue: RoleCatalogue,
    code: str,
    key: str,
) -> Response[str]:
    """A type's effective fields (base or local), code lists, routes, and the edit forms."""
    return await _type_page(EditorPage(request, metadata, tree, code), catalogue, key)


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
    tree: TenantTree,
    catalogue: RoleCatalogue,
    code: str,
    key: str,
    edit: str,
) -> Response[Any]:
    """One edit into the draft: stored when it adds no problem, else every refusal at its field."""
    page = EditorPage(request, metadata, tree, code)
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
        tree: TenantTree,
        catalogue: RoleCatalogue,
        code: str,
        key: str,
    ) -> Response[Any]:
        return await _edit(request, metadata, tree, catalogue, code, key, edit)

    handler.__name__ = handler.__qualname__ = "edit_" + edit.replace("-", "_")
    return post(f"/types/{{key:str}}/{edit}", opt=WRITE_FORM, include_in_schema=False)(handler)


EDIT_ROUTES: Final = tuple(_edit_route(edit) for edit in edits.EDITS)


@post("/draft/discard", opt=WRITE_FORM, include_in_schema=False)
async def discard_draft(
    request: Request[Any, Any, Any], metadata: MetadataService, tree: TenantTree, code: str
) -> Response[Any]:
    EditorPage(request, metadata, tree, code)
    await metadata.discard_draft(code)
    return Redirect(model_url(code) + "?done=discarded", status_code=303)


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
    request: Request[Any, Any, Any], metadata: MetadataService, tree: TenantTree, code: str
) -> Response[str]:
    """What publishing the draft would change: the diff, the impact below, the forms."""
    return await _preview_page(EditorPage(request, metadata, tree, code))


@get("/preview/{key:str}/{form:str}", opt=INSPECT, include_in_schema=False)
async def preview_form(
    request: Request[Any, Any, Any],
    metadata: MetadataService,
    tree: TenantTree,
    code: str,
    key: str,
    form: str,
) -> Response[str]:
    """The citizen form as the draft would make it, drawn by the forms room's renderer."""
    page = EditorPage(request, metadata, tree, code)
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
    request: Request[Any, Any, Any], metadata: MetadataService, tree: TenantTree, code: str
) -> Response[Any]:
    """Publish the draft once the operator ticked the confirmation."""
    page = EditorPage(request, metadata, tree, code)
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
    request: Request[Any, Any, Any], metadata: MetadataService, tree: TenantTree, code: str
) -> Response[str]:
    """The tenant's published versions, newest first, and the rollback form."""
    return await _versions_page(EditorPage(request, metadata, tree, code))


@post("/rollback", opt=PUBLISH_FORM, include_in_schema=False)
async def rollback(
    request: Request[Any, Any, Any], metadata: MetadataService, tree: TenantTree, code: str
) -> Response[Any]:
    """Make the previous version current again, once confirmed."""
    page = EditorPage(request, metadata, tree, code)
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


ROUTER: Final = Router(
    path=BASE,
    route_handlers=[
        types_page,
        type_page,
        *EDIT_ROUTES,
        discard_draft,
        preview_page,
        preview_form,
        publish,
        versions_page,
        rollback,
    ],
    exception_handlers=SIGN_IN_FIRST,
)
ROUTES: Final = (ROUTER,)
