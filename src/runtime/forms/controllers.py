"""The options endpoint the descriptor's pickers read (public, like the citizen forms)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, get

from yiwang.metadata.versions.service import MetadataService
from yiwang.runtime.forms.options import FormOptions
from yiwang.tenants.directory import TenantDirectory
from yiwang.tenants.tree import TenantTree

PUBLIC = {"public": True}


class FormOptionsController(Controller):
    path = "/api/v1/t/{code:str}/forms/{key:str}/{form:str}/options"
    tags = ["forms"]  # noqa: RUF012  (Litestar declares it as an instance attribute)

    @get("/{field:str}", opt=PUBLIC)
    async def options(
        self,
        metadata: MetadataService,
        directory: TenantDirectory,
        tree: TenantTree,
        code: str,
        key: str,
        form: str,
        field: str,
    ) -> dict[str, Any]:
        """What a picker of a citizen form may choose: `{"options": [{"value", "label"}]}`."""
        return await FormOptions(metadata, directory, tree).answer(code, key, form, field)
