"""Publishing and rollback: the candidate checked and previewed in full, refused
if any tenant below would break, stored as an immutable version, the publish
generation bumped and audited in the caller's unit of work; after commit the new
generation is announced so every worker drops its stale chains."""

from __future__ import annotations

from typing import Any

from yiwang.metadata.documents.hashing import content_hash
from yiwang.metadata.resolution.impact import ImpactPreview
from yiwang.metadata.versions.model_cache import Chain
from yiwang.metadata.versions.models import MetadataVersion
from yiwang.metadata.versions.service.preview import Preview
from yiwang.metadata.versions.service.results import PublishResult
from yiwang.platform.errors import Conflict, NotFound
from yiwang.tenants.tree import TenantNode

AUDIT_OBJECT = "metadata_version"


class Publishing(Preview):
    """Publish and roll back a tenant's version."""

    def _refuse_conflicts(self, preview: ImpactPreview) -> None:
        if preview.ok:
            return
        details = [d for errors in preview.conflicts.values() for d in errors]
        tenants = "、".join(sorted(preview.conflicts))
        raise Conflict(
            "metadata.publish.conflicts",
            details=details,
            count=len(preview.conflicts),
            tenants=tenants,
        )

    async def publish(
        self, code: str, *, note: str | None = None, content: Any = None
    ) -> PublishResult:
        """Publish the draft (or `content`): checked, previewed, stored, audited."""
        node = self.tree.node(code)
        body = content if content is not None else await self._required_draft(code)
        preview, models = await self._preview(code, body)
        self._refuse_conflicts(preview)
        digest = content_hash(body)
        current = await self.repo.current(node.id)
        if current is not None and current.content_hash == digest:
            raise Conflict("metadata.publish.unchanged", tenant=code)
        based_on = await self._based_on(code)
        version = await self.repo.add_version(
            tenant_id=node.id,
            kind="base" if self._is_root(node) else "overlay",
            content=body,
            content_hash=digest,
            based_on=based_on,
            actor=self.uow.actor,
            note=note,
        )
        await self.repo.drop_draft(node.id)
        if self.records is not None:
            await self.records.published(self.uow, models)
        return await self._finish(node, version, "metadata.publish", preview)

    async def _based_on(self, code: str) -> list[dict[str, Any]]:
        parent = self.tree.node(code).parent_code
        if parent is None:
            return []
        chain: Chain = await self.models.chain(self.session, self.tree, parent)
        return [ref.as_dict() for ref in chain]

    async def rollback(self, code: str) -> PublishResult:
        """Make the version before the current one current again, if nothing below breaks."""
        node = self.tree.node(code)
        current = await self.repo.current(node.id)
        previous = (
            await self.repo.version(node.id, current.previous_id)
            if current is not None and current.previous_id is not None
            else None
        )
        if current is None or previous is None:
            raise NotFound("metadata.rollback.nothing", tenant=code)
        preview, models = await self._preview(code, previous.content)
        self._refuse_conflicts(preview)
        await self.repo.roll_back(current, previous)
        if self.records is not None:
            await self.records.published(self.uow, models)
        return await self._finish(node, previous, "metadata.rollback", preview)

    async def _finish(
        self,
        node: TenantNode,
        version: MetadataVersion,
        action: str,
        preview: ImpactPreview,
    ) -> PublishResult:
        generation = await self.repo.bump_generation()

        async def announce() -> None:
            await self.models.announce(generation)

        self.uow.after_commit(announce)
        await self.uow.audit(
            action=action,
            object_type=AUDIT_OBJECT,
            object_id=f"{node.code}/{version.number}",
            tenant_id=node.id,
            detail={
                "kind": version.kind,
                "number": version.number,
                "content_hash": version.content_hash,
                "previous_id": version.previous_id,
                "generation": generation,
                "checked_tenants": preview.checked,
            },
        )
        return PublishResult(
            tenant=node.code,
            action=action,
            kind=version.kind,
            number=version.number,
            version_id=version.id,
            content_hash=version.content_hash,
            generation=generation,
            preview=preview,
        )
