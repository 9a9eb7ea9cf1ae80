"""What every page of the editor shares: its paths, the permission each route asks,
and `EditorPage`, which reads the tenant, its draft and the operator, and draws in the
console's shell with the editor's second menu."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final

from litestar import Request, Response
from litestar.exceptions import NotFoundException

from yiwang.metadata.documents.errors import MetadataInvalid
from yiwang.metadata.resolution.resolve import EffectiveModel, freeze
from yiwang.metadata.versions.service import MetadataService
from yiwang.platform.edge.csrf import CSRF_COOKIE
from yiwang.platform.errors import ErrorDetail, NotFound
from yiwang.platform.i18n import translate
from yiwang.runtime.console.navigation import INSPECT_MODEL
from yiwang.runtime.console.shell import console_shell
from yiwang.runtime.console.staff import ConsoleParts
from yiwang.runtime.portal.viewer import Viewer
from yiwang.tenants.tree import TenantNode, TenantTree

TEMPLATES: Final = Path(__file__).resolve().parent.parent / "templates"
BASE: Final = "/console/t/{code:str}/model"
#: the editor's entry in the console's menu (`runtime/console/navigation.py`)
MENU_KEY: Final = "model"
#: the editor's entry page's guard: what the console menu's entry names
INSPECT: Final = INSPECT_MODEL.guard()
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
        viewer: Viewer | None,
    ) -> None:
        self.request = request
        self.metadata = metadata
        self.tree = tree
        self.code = code
        self.viewer = viewer
        found = tree.get(code)
        if found is None:
            raise NotFoundException()
        self.tenant: TenantNode = found

    @classmethod
    async def open(
        cls,
        request: Request[Any, Any, Any],
        metadata: MetadataService,
        console: ConsoleParts,
        code: str,
    ) -> EditorPage:
        """The page of tenant `code` for the signed-in operator (named in the header)."""
        viewer = await console.viewer(request)
        return cls(request, metadata, console.directory.tree, code, viewer)

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
            **console_shell(self.request, self.tree, self.tenant, self.viewer, MENU_KEY),
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
