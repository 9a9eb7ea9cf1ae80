"""Looking at a candidate (the draft or given content) without publishing it: the
layers it would give the tenant with every problem, its diff against the effective
model, and its impact preview on every tenant below, with the records of theirs it
would no longer validate. Nothing is written but the draft `save_and_check` stores."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from yiwang.metadata.documents.base_model import parse_base_model
from yiwang.metadata.documents.errors import MetadataInvalid
from yiwang.metadata.documents.hashing import content_hash
from yiwang.metadata.documents.metaschemas import overlay_errors
from yiwang.metadata.documents.problems import Problems, raise_for
from yiwang.metadata.documents.route_roles import route_role_errors
from yiwang.metadata.documents.shapes import Overlay
from yiwang.metadata.resolution.diff import Change, diff_documents
from yiwang.metadata.resolution.impact import ImpactPreview, preview_impact
from yiwang.metadata.resolution.resolve import (
    EffectiveModel,
    Layer,
    add_layer,
    check_layers,
    freeze,
)
from yiwang.metadata.versions.repository import published_scope
from yiwang.metadata.versions.service.base import EXCHANGE_FORMAT
from yiwang.metadata.versions.service.drafts import Drafts
from yiwang.metadata.versions.service.results import checked
from yiwang.platform.errors import ErrorDetail, NotFound


class Preview(Drafts):
    """Checks and previews of a tenant's next version."""

    async def save_and_check(self, code: str, content: Any) -> dict[str, Any]:
        """Store the draft, then say whether it could be published and, if not, why."""
        if isinstance(content, dict) and content.get("format") == EXCHANGE_FORMAT:
            content = content.get("content")
        await self.save_draft(code, content)
        return checked(await self.validate(code, content))

    async def _inherited(self, code: str) -> tuple[Layer, ...]:
        """The layers of `code`'s ancestors as currently published (its own excluded)."""
        parent = self.tree.node(code).parent_code
        assert parent is not None, "the root inherits nothing"
        return (await self.models.effective(self.session, self.tree, parent)).layers

    async def candidate_layers(self, code: str, content: Any) -> tuple[Layer, ...]:
        """The layers `content` would give `code`; raises `MetadataInvalid` with every error."""
        node = self.tree.node(code)
        if self._is_root(node):
            model = parse_base_model(content)
            raise_for(route_role_errors(content, self.route_roles))
            return (Layer(code, content_hash(content), model),)
        problems = Problems()
        problems.extend(overlay_errors(content))
        if not problems:
            problems.extend(route_role_errors(content, self.route_roles))
        if not problems and content["tenant"] != code:
            problems.add(
                "metadata.overlay.tenant_mismatch",
                "/tenant",
                found=str(content["tenant"])[:12],
                tenant=code,
            )
        problems.raise_if_any()
        layers = add_layer(
            await self._inherited(code), Overlay(code, content, content_hash(content))
        )
        check_layers(layers)
        return layers

    async def validate(self, code: str, content: Any) -> list[ErrorDetail]:
        """Every problem of `content` as `code`'s next version; empty when publishable."""
        try:
            await self.candidate_layers(code, content)
        except MetadataInvalid as exc:
            return exc.details
        return []

    async def validate_draft(self, code: str) -> list[ErrorDetail]:
        return await self.validate(code, await self._required_draft(code))

    async def diff_draft(self, code: str) -> list[Change]:
        """What the draft changes in `code`'s effective model."""
        layers = await self.candidate_layers(code, await self._required_draft(code))
        after = freeze(code, layers)
        try:
            before: Mapping[str, Any] = (await self.effective(code)).documents
        except NotFound:
            before = {}
        return diff_documents({"documents": dict(before)}, {"documents": dict(after.documents)})

    async def _descendant_overlays(self, code: str) -> dict[str, Overlay]:
        below = self.tree.descendants(code)
        if not below:
            return {}
        acting = self.tree.node(code).id
        async with published_scope(self.session, acting, [n.id for n in below]):
            current = await self.repo.current_of([n.id for n in below])
        by_id = {n.id: n.code for n in below}
        return {
            by_id[tenant_id]: Overlay(by_id[tenant_id], version.content, version.content_hash)
            for tenant_id, version in current.items()
            if version.kind == "overlay"
        }

    async def preview(self, code: str, content: Any) -> ImpactPreview:
        """Which tenants below `code` `content` would break, and which of their records
        would no longer validate (nothing is written)."""
        preview, _ = await self._preview(code, content)
        return preview

    async def _preview(self, code: str, content: Any) -> tuple[ImpactPreview, list[EffectiveModel]]:
        layers = await self.candidate_layers(code, content)
        overlays = await self._descendant_overlays(code)
        preview = preview_impact(code, layers, self.tree.parents(), overlays)
        if self.records is None:
            return preview, []
        models = [
            freeze(tenant, tenant_layers) for tenant, tenant_layers in preview.resolved.items()
        ]
        counts: dict[str, int] = {}
        first: dict[str, list[dict[str, Any]]] = {}
        for model in models:
            try:
                before: EffectiveModel | None = await self.effective(model.tenant)
            except NotFound:
                before = None
            if before is not None and before.content_hash == model.content_hash:
                continue
            found = await self.records.count_invalid(
                self.uow, self.tree.node(model.tenant), before, model
            )
            if found.count:
                counts[model.tenant] = found.count
                first[model.tenant] = found.first
        return replace(preview, invalid_records=counts, first_invalid=first), models

    async def preview_draft(self, code: str) -> ImpactPreview:
        return await self.preview(code, await self._required_draft(code))
