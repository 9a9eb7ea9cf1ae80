"""Drafts: a tenant's working copy of its base model or overlay, stored as it is
(it may be incomplete) until it is checked and published."""

from __future__ import annotations

from typing import Any

from yiwang.metadata.documents.problems import raise_for
from yiwang.metadata.versions.service.base import ServiceBase
from yiwang.platform.errors import ErrorDetail, NotFound


class Drafts(ServiceBase):
    """The draft of each tenant, one at most."""

    async def draft(self, code: str) -> dict[str, Any] | None:
        found = await self.repo.draft(self.tree.node(code).id)
        return found.content if found is not None else None

    async def save_draft(self, code: str, content: Any) -> None:
        """Store a working copy; it may be incomplete, but must be an object of the right kind."""
        node = self.tree.node(code)
        if not isinstance(content, dict):
            raise_for([ErrorDetail("metadata.draft.not_object", "")])
        if not self._is_root(node) and content.get("tenant", code) != code:
            raise_for(
                [
                    ErrorDetail(
                        "metadata.overlay.tenant_mismatch",
                        "/tenant",
                        {"found": str(content.get("tenant"))[:12], "tenant": code},
                    )
                ]
            )
        current = await self.repo.current(node.id)
        await self.repo.save_draft(
            node.id, content, current.id if current is not None else None, self.uow.actor
        )

    async def discard_draft(self, code: str) -> None:
        await self.repo.drop_draft(self.tree.node(code).id)

    async def _required_draft(self, code: str) -> dict[str, Any]:
        content = await self.draft(code)
        if content is None:
            raise NotFound("metadata.draft.missing", tenant=code)
        return content
