"""The tenant tree: the one shape of a tenant and its place that every part uses.

Built once per directory version from the registry (not tenant-owned, so it is
readable before any tenant context exists) and then only read, so every lookup
is a dict access and the subtree of a node is computed once. Nothing here
assumes one province: a deployment may hold several roots.

Paths are materialised codes, `/620000/620100/620102`; they are also the
Casbin domains, so the path helpers below are the only place a path is split.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

from yiwang.platform.errors import NotFound

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from yiwang.tenants.models import Tenant

_PATH = re.compile(r"^(/\d{6})+$")


def path_codes(path: str) -> tuple[str, ...]:
    """`/620000/620100` -> `("620000", "620100")`."""
    return tuple(p for p in path.split("/") if p)


def is_tenant_path(value: str) -> bool:
    """A materialised path of 6-digit division codes."""
    return bool(_PATH.match(value))


def path_within(path: str, ancestor: str) -> bool:
    """True when `path` is `ancestor` or lies below it (`/` is above every province)."""
    return path == ancestor or path.startswith(ancestor.rstrip("/") + "/")


def child_path(parent_path: str | None, code: str) -> str:
    return f"{parent_path}/{code}" if parent_path else f"/{code}"


@dataclass(frozen=True, slots=True)
class TenantNode:
    """A tenant as everyone but the registry's own SQL sees it."""

    id: int
    code: str
    name: str
    level: str
    status: str
    slug: str
    path: str
    parent_code: str | None
    hosts: tuple[str, ...] = ()
    #: the tenant template it was onboarded with (names, among others, its base model)
    template: str = ""

    @property
    def codes(self) -> tuple[str, ...]:
        """The codes on the path, root first, ending with this tenant's."""
        return path_codes(self.path)

    @property
    def root_code(self) -> str:
        return self.codes[0]

    @property
    def is_root(self) -> bool:
        return self.parent_code is None

    def within(self, ancestor: TenantNode) -> bool:
        return path_within(self.path, ancestor.path)


@dataclass(frozen=True)
class TenantTree:
    """An immutable tree of tenants with every lookup precomputed."""

    by_code: Mapping[str, TenantNode]
    by_id: Mapping[int, TenantNode] = field(repr=False)
    by_slug: Mapping[str, TenantNode] = field(repr=False)
    by_host: Mapping[str, TenantNode] = field(repr=False)
    _children: Mapping[str, tuple[TenantNode, ...]] = field(repr=False)

    @classmethod
    def of(cls, nodes: Iterable[TenantNode]) -> TenantTree:
        ordered = sorted(nodes, key=lambda n: n.path)
        children: dict[str, list[TenantNode]] = {}
        for node in ordered:
            if node.parent_code is not None:
                children.setdefault(node.parent_code, []).append(node)
        return cls(
            by_code={n.code: n for n in ordered},
            by_id={n.id: n for n in ordered},
            by_slug={n.slug: n for n in ordered},
            by_host={h.lower(): n for n in ordered for h in n.hosts},
            _children={code: tuple(kids) for code, kids in children.items()},
        )

    @classmethod
    def from_rows(cls, rows: Sequence[Tenant]) -> TenantTree:
        code_of = {t.id: t.code for t in rows}
        return cls.of(
            TenantNode(
                id=t.id,
                code=t.code,
                name=t.name,
                level=t.level,
                status=t.status,
                slug=t.slug,
                path=t.path,
                parent_code=code_of.get(t.parent_id) if t.parent_id is not None else None,
                hosts=tuple(t.hosts or ()),
                template=t.template,
            )
            for t in rows
        )

    @classmethod
    async def load(cls, session: AsyncSession) -> TenantTree:
        from yiwang.tenants.repository import TenantRepository

        return cls.from_rows(await TenantRepository(session).all())

    # lookups ---------------------------------------------------------------

    def __len__(self) -> int:
        return len(self.by_code)

    def __contains__(self, code: object) -> bool:
        return code in self.by_code

    def get(self, code: str) -> TenantNode | None:
        return self.by_code.get(code)

    def node(self, code: str) -> TenantNode:
        """The tenant of `code`, or `tenant.not_found`."""
        found = self.by_code.get(code)
        if found is None:
            raise NotFound("tenant.not_found", pointer="/code", code=str(code)[:12])
        return found

    def node_by_id(self, tenant_id: int) -> TenantNode:
        found = self.by_id.get(tenant_id)
        if found is None:
            raise NotFound("tenant.not_found", code=str(tenant_id)[:12])
        return found

    # shape -----------------------------------------------------------------

    @cached_property
    def roots(self) -> tuple[TenantNode, ...]:
        return tuple(n for n in self.by_code.values() if n.parent_code is None)

    def root_of(self, code: str) -> TenantNode:
        """The province (root) a tenant belongs to."""
        return self.node(self.node(code).root_code)

    def children(self, code: str) -> tuple[TenantNode, ...]:
        return self._children.get(code, ())

    def chain(self, code: str) -> list[TenantNode]:
        """The tenant and its ancestors, root first."""
        node = self.node(code)
        return [self.by_code[c] for c in node.codes if c in self.by_code]

    def ancestors(self, code: str) -> list[TenantNode]:
        """The ancestors of a tenant, root first, without the tenant itself."""
        return self.chain(code)[:-1]

    def descendants(self, code: str) -> list[TenantNode]:
        """Every tenant below `code`, in path order (parents before children)."""
        self.node(code)
        found: list[TenantNode] = []
        stack = list(reversed(self.children(code)))
        while stack:
            child = stack.pop()
            found.append(child)
            stack.extend(reversed(self.children(child.code)))
        return found

    def subtree_ids(self, code: str) -> tuple[int, ...]:
        """The ids of `code` and every tenant below it, the tenant first."""
        return self._subtree_ids[self.node(code).code]

    @cached_property
    def _subtree_ids(self) -> dict[str, tuple[int, ...]]:
        return {
            code: (node.id, *(n.id for n in self.descendants(code)))
            for code, node in self.by_code.items()
        }

    def parents(self) -> dict[str, str | None]:
        """code -> parent code, for code that walks the tree by itself."""
        return {code: node.parent_code for code, node in self.by_code.items()}
