"""Metadata API: a tenant's effective model, its draft, publishing, exchange, public forms.

Least privilege: the published model (`metadata:read`) is for staff, because it
holds staff forms; drafts, diffs, versions and exports (`metadata:inspect`)
are for the operators who edit them; the public reads citizen forms only,
through `PublicFormController`.

Handlers are thin: the guard has authorised the request and the unit of work
runs in the scope it decided; `MetadataService` does the work and announces a
new generation after commit, so every worker drops its stale chains.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, delete, get, post, put
from litestar.openapi.datastructures import ResponseSpec

from yiwang.metadata.documents import sources
from yiwang.metadata.versions.service import MetadataService, checked, version_summary
from yiwang.platform.conditional import Prepared
from yiwang.platform.errors import NotFound

#: the published effective model, staff forms included: staff who work with it
READ = {"object": "metadata", "action": "read"}
#: drafts, diffs, version history (which names who published) and exports: operators'
INSPECT = {"object": "metadata", "action": "inspect"}
WRITE = {"object": "metadata", "action": "write"}
PUBLISH = {"object": "metadata", "action": "publish"}
PUBLIC = {"public": True}
#: drafts and imports arrive as JSON or as YAML (the edge takes JSON unless told)
DOCUMENT_BODY = {
    **WRITE,
    "accepts": ("application/json", "application/yaml", "application/x-yaml", "text/yaml"),
}


async def _body(request: Request[Any, Any, Any]) -> Any:
    """The request body as JSON or YAML, parsed strictly (duplicate keys refused)."""
    kind = request.headers.get("content-type", "")
    return sources.parse_bytes(await request.body(), "yaml" if "yaml" in kind else "json")


class MetadataController(Controller):
    """Read a tenant's model; edit, validate, diff, preview, publish and roll back its own."""

    path = "/api/v1/t/{code:str}/metadata"
    tags = ["metadata"]  # noqa: RUF012  (Litestar declares it as an instance attribute)

    @get("/types", opt=READ)
    async def types(self, metadata: MetadataService, code: str) -> list[dict[str, Any]]:
        return await metadata.types(code)

    @get("/types/{key:str}", opt=READ)
    async def document(self, metadata: MetadataService, code: str, key: str) -> dict[str, Any]:
        return await metadata.document(code, key)

    @get("/types/{key:str}/schema", opt=READ)
    async def schema(
        self, metadata: MetadataService, code: str, key: str, dialect: str = "2020-12"
    ) -> dict[str, Any]:
        return await metadata.record_schema(code, key, dialect)

    @get("/openapi", opt=READ)
    async def openapi(self, metadata: MetadataService, code: str) -> dict[str, Any]:
        return await metadata.openapi(code)

    @get("/versions", opt=INSPECT)
    async def versions(self, metadata: MetadataService, code: str) -> list[dict[str, Any]]:
        return [version_summary(v) for v in await metadata.history(code)]

    @get("/export", opt=INSPECT)
    async def export(
        self, metadata: MetadataService, code: str, effective: bool = False
    ) -> dict[str, Any]:
        return await metadata.export(code, effective=effective)

    @get("/draft", opt=INSPECT)
    async def get_draft(self, metadata: MetadataService, code: str) -> dict[str, Any]:
        draft = await metadata.draft(code)
        if draft is None:
            raise NotFound("metadata.draft.missing", tenant=code)
        return draft

    @put("/draft", opt=DOCUMENT_BODY)
    async def put_draft(
        self, metadata: MetadataService, request: Request[Any, Any, Any], code: str
    ) -> dict[str, Any]:
        """Store the draft (JSON or YAML); the answer says whether it could be published."""
        return await metadata.save_and_check(code, await _body(request))

    @post("/import", opt=DOCUMENT_BODY, status_code=200)
    async def import_(
        self, metadata: MetadataService, request: Request[Any, Any, Any], code: str
    ) -> dict[str, Any]:
        """Import an exchange file (`export`'s format, or a bare base model or overlay)."""
        return await metadata.save_and_check(code, await _body(request))

    @delete("/draft", opt=WRITE, status_code=204)
    async def delete_draft(self, metadata: MetadataService, code: str) -> None:
        await metadata.discard_draft(code)

    @post("/draft/validate", opt=WRITE, status_code=200)
    async def validate_draft(self, metadata: MetadataService, code: str) -> dict[str, Any]:
        return checked(await metadata.validate_draft(code))

    @get("/draft/diff", opt=INSPECT)
    async def diff_draft(self, metadata: MetadataService, code: str) -> list[dict[str, Any]]:
        return [c.as_dict() for c in await metadata.diff_draft(code)]

    @get("/draft/impact", opt=PUBLISH)
    async def impact(self, metadata: MetadataService, code: str) -> dict[str, Any]:
        return (await metadata.preview_draft(code)).as_dict()

    @post("/publish", opt=PUBLISH, status_code=200)
    async def publish(
        self, metadata: MetadataService, code: str, note: str | None = None
    ) -> dict[str, Any]:
        return (await metadata.publish(code, note=note)).as_dict()

    @post("/rollback", opt=PUBLISH, status_code=200)
    async def rollback(self, metadata: MetadataService, code: str) -> dict[str, Any]:
        return (await metadata.rollback(code)).as_dict()


class PublicFormController(Controller):
    """Citizen forms of a region, ready for react-jsonschema-form or JSON Forms."""

    path = "/api/v1/t/{code:str}/forms"
    tags = ["metadata"]  # noqa: RUF012

    @get(
        "/{key:str}/{form:str}",
        opt=PUBLIC,
        responses={
            200: ResponseSpec(dict[str, Any], description="表单描述（带 ETag）"),
            304: ResponseSpec(None, description="客户端已有此版本"),
        },
    )
    async def form(
        self,
        metadata: MetadataService,
        request: Request[Any, Any, Any],
        code: str,
        key: str,
        form: str,
    ) -> Prepared:
        """The form's 2020-12 schema, its draft-07 twin (same verdicts) and UI descriptions,
        encoded once per effective version and revalidated by its ETag."""
        return (await metadata.citizen_form(code, key, form)).response.answer(request)


CONTROLLERS = (MetadataController, PublicFormController)
