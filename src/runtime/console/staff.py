"""Who the console is looking at: the signed-in staff member and the tenants where their
grants give them a role, read from the worker's current policy (no query)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar.connection import ASGIConnection

from yiwang.policy.catalogue import RoleCatalogue
from yiwang.policy.enforcer import PolicyEngine, user_subject
from yiwang.policy.guards import PolicyHolderSource
from yiwang.policy.identity.dependencies import IdentityServices
from yiwang.runtime.console.navigation import INBOX
from yiwang.runtime.portal.viewer import Viewer, viewer_of
from yiwang.tenants.directory import TenantDirectory
from yiwang.tenants.tree import TenantNode, TenantTree, path_codes


@dataclass(frozen=True)
class StaffTenant:
    """A tenant where the person holds roles, and where its console starts."""

    node: TenantNode
    roles: tuple[str, ...]
    #: the grant reaches the tenant's whole subtree
    subtree: bool
    url: str


def staff_tenants(
    engine: PolicyEngine, tree: TenantTree, catalogue: RoleCatalogue, account_id: int
) -> list[StaffTenant]:
    """The tenants the account's grants name, in tree order, with the roles' names."""
    held: dict[str, tuple[list[str], bool]] = {}
    for grant in engine.grants_of(user_subject(account_id)):
        codes = path_codes(grant.node)
        if not codes or codes[-1] not in tree:
            continue
        roles, subtree = held.setdefault(codes[-1], ([], False))
        role = catalogue.roles.get(grant.role)
        roles.append(role.name if role is not None else grant.role)
        held[codes[-1]] = (roles, subtree or grant.subtree)
    found = [
        StaffTenant(tree.node(code), tuple(sorted(set(roles))), subtree, INBOX.format(code=code))
        for code, (roles, subtree) in held.items()
    ]
    return sorted(found, key=lambda t: (len(t.node.codes), t.node.code))


@dataclass(frozen=True)
class ConsoleParts:
    """The process's parts the console's own pages read, as one dependency."""

    directory: TenantDirectory
    identity: IdentityServices
    policy: PolicyHolderSource
    catalogue: RoleCatalogue

    async def viewer(self, request: ASGIConnection[Any, Any, Any, Any]) -> Viewer | None:
        return await viewer_of(request, self.identity)

    def tenants(self, viewer: Viewer) -> list[StaffTenant]:
        return staff_tenants(
            self.policy.holder.engine, self.directory.tree, self.catalogue, viewer.account_id
        )
