"""Metadata API: a tenant's effective model, its draft, publishing, exchange, public forms.

Handlers are thin: the guard has authorised the request and scoped the
database session to the tenant of the `{code}` path parameter; the service
does the work. Publishing commits, then announces the new generation so
every worker drops its stale chains.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, delete, get, post, put
from litestar.datastructures import State
from sqlalchemy.ext.asyncio import AsyncSession

from yiwang.metadata.documents import sources
from yiwang.metadata.generators.draft07 import to_draft07
from yiwang.metadata.generators.openapi import openapi_components
from yiwang.metadata.generators.record_schema import form_schema, record_schema
from yiwang.metadata.generators.ui_schemas import jsonforms_ui_schema, rjsf_ui_schema
from yiwang.metadata.tenant_tree import TenantNode, TenantTree
from yiwang.metadata.versions.model_cache import ModelCache
from yiwang.metadata.versions.service import MetadataService, PublishResult, version_summary
from yiwang.platform.errors import ErrorDetail, NotFound

READ = {"object": "metadata", "action": "read"}
WRITE = {"object": "metadata", "action": "write"}
PUBLISH = {"object": "metadata", "action": "publish"}
PUBLIC = {"public": True}
STATE_KEY = "metadata_models"


def models_of(state: State) -> ModelCache:
    """The worker's shared model cache (`state.metadata_models`, set by the app)."""
    models = state.get(STATE_KEY)
    if not isinstance(models, ModelCache):
        models = ModelCache(state.get("cache"))
        state[STATE_KEY] = models
    return models


def tree_of(state: State) -> TenantTree:
    """The tenant tree from the worker's directory (rebuilt when the directory reloads)."""
    directory = state.directory
    cached = state.get("metadata_tree")
    if isinstance(cached, tuple) and cached[0] is directory.by_code:
        tree: TenantTree = cached[1]
        return tree
    tree = TenantTree.of(
        TenantNode(info.id, info.code, info.parent_code) for info in directory.by_code.values()
    )
    state["metadata_tree"] = (directory.by_code, tree)
    return tree


def actor_of(request: Request[Any, Any, Any]) -> str:
    user = request.scope.get("user")
    return str(getattr(user, "login", None) or "anonymous")


def _errors(details: list[ErrorDetail], locale: str = "zh-CN") -> list[dict[str, Any]]:
    return [
        {"code": d.code, "pointer": d.pointer or "", "message": d.message(locale)} for d in details
    ]


async def _body(request: Request[Any, Any, Any]) -> Any:
    """The request body as JSON or YAML, parsed strictly (duplicate keys refused)."""
    kind = request.headers.get("content-type", "")
    fmt = "yaml" if "yaml" in kind else "json"
    return sources.parse_bytes(await request.body(), fmt)


class MetadataController(Controller):
    """Read a tenant's model; edit, validate, diff, preview, publish and roll back its own."""

    path = "/api/v1/t/{code:str}/metadata"
    tags = ["metadata"]  # noqa: RUF012  (Litestar declares it as an instance attribute)

    def _service(self, state: State, db_session: AsyncSession) -> MetadataService:
        return MetadataService(db_session, tree_of(state), models_of(state))

    @get("/types", opt=READ)
    async def types(
        self, state: State, db_session: AsyncSession, code: str
    ) -> list[dict[str, Any]]:
        model = await self._service(state, db_session).effective(code)
        return [
            {"key": key, "kind": doc["kind"], "label": doc["label"]}
            for key, doc in model.documents.items()
        ]

    @get("/types/{key:str}", opt=READ)
    async def document(
        self, state: State, db_session: AsyncSession, code: str, key: str
    ) -> dict[str, Any]:
        return await self._service(state, db_session).document(code, key)

    @get("/types/{key:str}/schema", opt=READ)
    async def schema(
        self, state: State, db_session: AsyncSession, code: str, key: str, dialect: str = "2020-12"
    ) -> dict[str, Any]:
        model = await self._service(state, db_session).effective(code)
        schema = record_schema(model, key)
        return to_draft07(schema) if dialect == "draft-07" else schema

    @get("/openapi", opt=READ)
    async def openapi(self, state: State, db_session: AsyncSession, code: str) -> dict[str, Any]:
        return openapi_components(await self._service(state, db_session).effective(code))

    @get("/versions", opt=READ)
    async def versions(
        self, state: State, db_session: AsyncSession, code: str
    ) -> list[dict[str, Any]]:
        return [version_summary(v) for v in await self._service(state, db_session).history(code)]

    @get("/export", opt=READ)
    async def export(
        self, state: State, db_session: AsyncSession, code: str, effective: bool = False
    ) -> dict[str, Any]:
        return await self._service(state, db_session).export(code, effective=effective)

    @get("/draft", opt=READ)
    async def get_draft(self, state: State, db_session: AsyncSession, code: str) -> dict[str, Any]:
        draft = await self._service(state, db_session).draft(code)
        if draft is None:
            raise NotFound("metadata.draft.missing", tenant=code)
        return draft

    @put("/draft", opt=WRITE)
    async def put_draft(
        self, request: Request[Any, Any, Any], state: State, db_session: AsyncSession, code: str
    ) -> dict[str, Any]:
        """Store the draft (JSON or YAML); the answer says whether it could be published."""
        service = self._service(state, db_session)
        content = await _body(request)
        await service.save_draft(code, content, actor_of(request))
        errors = await service.validate(code, content)
        return {"valid": not errors, "errors": _errors(errors)}

    @post("/import", opt=WRITE, status_code=200)
    async def import_(
        self, request: Request[Any, Any, Any], state: State, db_session: AsyncSession, code: str
    ) -> dict[str, Any]:
        """Import an exchange file (`export`'s format, or a bare base model or overlay)."""
        content = await _body(request)
        if isinstance(content, dict) and content.get("format") == "yiwang-metadata/1":
            content = content.get("content")
        service = self._service(state, db_session)
        await service.save_draft(code, content, actor_of(request))
        errors = await service.validate(code, content)
        return {"valid": not errors, "errors": _errors(errors)}

    @delete("/draft", opt=WRITE, status_code=204)
    async def delete_draft(self, state: State, db_session: AsyncSession, code: str) -> None:
        await self._service(state, db_session).discard_draft(code)

    @post("/draft/validate", opt=WRITE, status_code=200)
    async def validate_draft(
        self, state: State, db_session: AsyncSession, code: str
    ) -> dict[str, Any]:
        errors = await self._service(state, db_session).validate_draft(code)
        return {"valid": not errors, "errors": _errors(errors)}

    @get("/draft/diff", opt=READ)
    async def diff_draft(
        self, state: State, db_session: AsyncSession, code: str
    ) -> list[dict[str, Any]]:
        return [c.as_dict() for c in await self._service(state, db_session).diff_draft(code)]

    @get("/draft/impact", opt=PUBLISH)
    async def impact(self, state: State, db_session: AsyncSession, code: str) -> dict[str, Any]:
        return (await self._service(state, db_session).preview_draft(code)).as_dict()

    async def _committed(
        self, state: State, db_session: AsyncSession, result: PublishResult
    ) -> dict[str, Any]:
        await db_session.commit()
        await models_of(state).announce(result.generation)
        return result.as_dict()

    @post("/publish", opt=PUBLISH, status_code=200)
    async def publish(
        self,
        request: Request[Any, Any, Any],
        state: State,
        db_session: AsyncSession,
        code: str,
        note: str | None = None,
    ) -> dict[str, Any]:
        result = await self._service(state, db_session).publish(code, actor_of(request), note=note)
        return await self._committed(state, db_session, result)

    @post("/rollback", opt=PUBLISH, status_code=200)
    async def rollback(
        self, request: Request[Any, Any, Any], state: State, db_session: AsyncSession, code: str
    ) -> dict[str, Any]:
        result = await self._service(state, db_session).rollback(code, actor_of(request))
        return await self._committed(state, db_session, result)


class PublicFormController(Controller):
    """Citizen forms of a region, ready for react-jsonschema-form or JSON Forms."""

    path = "/api/v1/t/{code:str}/forms"
    tags = ["metadata"]  # noqa: RUF012

    @get("/{key:str}/{form:str}", opt=PUBLIC)
    async def form(
        self, state: State, db_session: AsyncSession, code: str, key: str, form: str
    ) -> dict[str, Any]:
        """The form's 2020-12 schema, its draft-07 twin (same verdicts) and UI descriptions."""
        model = await MetadataService(db_session, tree_of(state), models_of(state)).effective(code)
        document = model.document(key)
        definition = document.get("forms", {}).get(form)
        if definition is None or definition["audience"] != "citizen":
            raise NotFound("metadata.form.not_found", type=key, form=form)
        schema = form_schema(model, key, form)
        return {
            "tenant": code,
            "type": key,
            "form": form,
            "label": definition["label"],
            "content_hash": model.content_hash,
            "schema": schema,
            "schema_draft07": to_draft07(schema),
            "ui_schema": rjsf_ui_schema(model, key, form),
            "uischema": jsonforms_ui_schema(model, key, form),
        }


CONTROLLERS = (MetadataController, PublicFormController)
