"""Policy administration API: users, grants, regional denies, explanations.

Thin handlers: the guard has already decided the caller may do the route's
object/action at `{code}`; `PolicyAdmin` applies the finer rules (rank,
reach, separation of duties) with the caller as granter, and audits.
"""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, get, post
from litestar.params import QueryParameter

from yiwang.policy.catalogue import RoleCatalogue
from yiwang.policy.domains import in_subtree
from yiwang.policy.guards import Access
from yiwang.policy.service import PolicyAdmin

Key = Annotated[str, msgspec.Meta(max_length=64)]
Login = Annotated[str, msgspec.Meta(max_length=128)]


class UserIn(msgspec.Struct, forbid_unknown_fields=True):
    login: Login
    kind: Key = "staff"
    department: Key | None = None
    display_name: Annotated[str, msgspec.Meta(max_length=128)] | None = None


class GrantIn(msgspec.Struct, forbid_unknown_fields=True):
    login: Login
    role: Key
    subtree: bool = False


class RevokeIn(msgspec.Struct, forbid_unknown_fields=True):
    login: Login
    role: Key


class DenyIn(msgspec.Struct, forbid_unknown_fields=True):
    role: Key
    object: Key
    action: Key


def _as_granter(access: Access) -> dict[str, Any]:
    """Tenant and granter of a change to grants or denies: the caller, held to their rank
    and reach by `PolicyAdmin`."""
    return {"tenant_code": access.tenant.code, "granter": access.principal.subject}


class CatalogueController(Controller):
    tags = ["policy"]  # noqa: RUF012  (Litestar declares it as an instance attribute)

    @get("/api/v1/roles", opt={"public": True})
    async def roles(self, catalogue: RoleCatalogue) -> dict[str, Any]:
        """The role catalogue: stable keys and names of roles, objects and actions."""
        cat = catalogue
        return {
            "roles": [
                {
                    "key": r.key,
                    "name": r.name,
                    "levels": list(r.levels),
                    "grantable": r.grantable,
                    "permissions": {o: list(a) for o, a in r.permissions.items()},
                }
                for r in cat.roles.values()
            ],
            "objects": dict(cat.objects),
            "actions": dict(cat.actions),
            "levels": dict(cat.levels),
        }


class PolicyController(Controller):
    tags = ["policy"]  # noqa: RUF012  (Litestar declares it as an instance attribute)

    @post("/api/v1/t/{code:str}/users", opt={"object": "user", "action": "write"}, status_code=201)
    async def create_user(
        self, policy_admin: PolicyAdmin, access: Access, code: str, data: UserIn
    ) -> dict[str, Any]:
        return await policy_admin.create_user(
            login=data.login,
            kind=data.kind,
            tenant_code=access.tenant.code,
            department=data.department,
            display_name=data.display_name,
        )

    @get("/api/v1/t/{code:str}/roles", opt={"object": "role", "action": "read"})
    async def list_grants(
        self, policy_admin: PolicyAdmin, access: Access, code: str, login: str | None = None
    ) -> list[dict[str, Any]]:
        rows = await policy_admin.list_grants(login)
        return [r for r in rows if in_subtree(r["path"], access.tenant.path)]

    @post(
        "/api/v1/t/{code:str}/roles/grants",
        opt={"object": "role", "action": "grant"},
        status_code=201,
    )
    async def grant(
        self, policy_admin: PolicyAdmin, access: Access, code: str, data: GrantIn
    ) -> dict[str, Any]:
        return await policy_admin.grant(
            login=data.login, role=data.role, subtree=data.subtree, **_as_granter(access)
        )

    @post(
        "/api/v1/t/{code:str}/roles/revocations",
        opt={"object": "role", "action": "grant"},
        status_code=200,
    )
    async def revoke(
        self, policy_admin: PolicyAdmin, access: Access, code: str, data: RevokeIn
    ) -> dict[str, Any]:
        return await policy_admin.revoke(login=data.login, role=data.role, **_as_granter(access))

    @post(
        "/api/v1/t/{code:str}/policy/denies",
        opt={"object": "role", "action": "grant"},
        status_code=201,
    )
    async def deny(
        self, policy_admin: PolicyAdmin, access: Access, code: str, data: DenyIn
    ) -> dict[str, Any]:
        return await policy_admin.deny(
            role=data.role, obj=data.object, action=data.action, **_as_granter(access)
        )

    @get("/api/v1/t/{code:str}/policy/explain", opt={"object": "role", "action": "read"})
    async def explain(
        self,
        policy_admin: PolicyAdmin,
        access: Access,
        code: str,
        login: str,
        action: str,
        obj: Annotated[str, QueryParameter(name="object")],
    ) -> dict[str, Any]:
        return await policy_admin.explain(
            login=login, action=action, obj=obj, tenant_code=access.tenant.code
        )
