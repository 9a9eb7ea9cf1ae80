"""The `metadata_effective` id each record is stored with, remembered per process."""

from __future__ import annotations

from yiwang.metadata.resolution.resolve import EffectiveModel
from yiwang.metadata.versions.model_cache import ModelCache
from yiwang.metadata.versions.service import effective_version_id
from yiwang.platform.unit_of_work import UnitOfWork
from yiwang.tenants.tree import TenantNode, TenantTree


class EffectiveIds:
    """The `metadata_effective` id of each (tenant, effective model), looked up once per
    process and remembered only after the unit that found it has committed."""

    def __init__(self) -> None:
        self._known: dict[tuple[int, str], int] = {}

    async def of(
        self,
        uow: UnitOfWork,
        tree: TenantTree,
        models: ModelCache,
        node: TenantNode,
        *,
        model: EffectiveModel | None = None,
    ) -> int:
        """The id of `node`'s effective model (`model`, when the caller holds it already)."""
        if model is None:
            model = await models.effective(uow.session, tree, node.code)
        key = (node.id, model.content_hash)
        found = self._known.get(key)
        if found is not None:
            return found
        made = await effective_version_id(uow.session, tree, models, node.code)

        async def remember() -> None:
            self._known[key] = made

        uow.after_commit(remember)
        return made
