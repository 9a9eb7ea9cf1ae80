"""The tenant tree as metadata needs it: who inherits from whom.

Built from the tenant registry (not tenant-owned, so readable before any
scope exists) or from the in-process directory; nothing assumes a province.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession

from yiwang.platform.errors import NotFound
from yiwang.tenants.repository import TenantRepository


@dataclass(frozen=True)
class TenantNode:
    id: int
    code: str
    parent: str | None


@dataclass(frozen=True)
class TenantTree:
    nodes: Mapping[str, TenantNode]
    _children: dict[str, list[str]] = field(default_factory=dict, repr=False)

    @classmethod
    def of(cls, nodes: Iterable[TenantNode]) -> TenantTree:
        by_code = {n.code: n for n in nodes}
        children: dict[str, list[str]] = {}
        for node in by_code.values():
            if node.parent is not None:
                children.setdefault(node.parent, []).append(node.code)
        return cls(by_code, children)

    @classmethod
    async def load(cls, session: AsyncSession) -> TenantTree:
        rows = await TenantRepository(session).all()
        code_of = {t.id: t.code for t in rows}
        return cls.of(
            TenantNode(t.id, t.code, code_of.get(t.parent_id) if t.parent_id else None)
            for t in rows
        )

    def node(self, code: str) -> TenantNode:
        try:
            return self.nodes[code]
        except KeyError:
            raise NotFound("tenant.not_found", code=str(code)[:12]) from None

    @property
    def root(self) -> TenantNode:
        roots = [n for n in self.nodes.values() if n.parent is None]
        if len(roots) != 1:
            raise NotFound("metadata.base.no_root")
        return roots[0]

    def chain(self, code: str) -> list[TenantNode]:
        """The tenant and its ancestors, root first."""
        out: list[TenantNode] = []
        node: TenantNode | None = self.node(code)
        while node is not None:
            out.append(node)
            node = self.nodes.get(node.parent) if node.parent else None
        return out[::-1]

    def descendants(self, code: str) -> list[TenantNode]:
        found: list[TenantNode] = []
        stack = list(self._children.get(code, []))
        while stack:
            child = stack.pop()
            found.append(self.nodes[child])
            stack.extend(self._children.get(child, []))
        return found

    def parents(self) -> dict[str, str | None]:
        return {code: node.parent for code, node in self.nodes.items()}
