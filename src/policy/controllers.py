"""Policy administration API: users, grants, regional denies, explanations.

Thin handlers: the guard has already decided the caller may do the route's
object/action at `{code}`; `PolicyAdmin` applies the finer rules (rank,
reach, separation of duties) with the caller as granter, and audits.
"""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, get, post
from litestar.datastructures import State
from litestar.params import QueryParameter

from yiwang.platform.errors import PermissionDenied
from yiwang.policy.domains import in_subtree
from yiwang.policy.guards import Access, access_of

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


def _access(request: Request[Any, Any, Any]) -> Access:
    access = access_of(request)
    if access is None:  # the guard always sets it on these routes
        raise PermissionDenied("auth.forbidden")
    return access


def _actor(access: Access) -> str:
    return f"account:{access.principal.account_id}"


def _as_granter(request: Request[Any, Any, Any]) -> dict[str, Any]:
    """Tenant, granter and audit actor of a change to grants or denies.

    The caller is the granter, so `PolicyAdmin` holds them to their rank and reach.
    """
    access = _access(request)
    return {
        "tenant_code": access.tenant.code,
        "granter": access.principal.subject,
        "actor": _actor(access),
    }


class CatalogueController(Controller):
    tags = ["policy"]  # noqa: RUF012  (Litestar declares it as an instance attribute)

    @get("/api/v1/roles", opt={"public": True})
    async def roles(self, state: State) -> dict[str, Any]:
        """The role catalogue: stable keys and names of roles, objects and actions."""
        cat = state.policy.catalogue
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
        self, state: State, request: Request[Any, Any, Any], code: str, data: UserIn
    ) -> dict[str, Any]:
        access = _access(request)
        return await state.policy.admin.create_user(  # type: ignore[no-any-return]
            login=data.login,
            kind=data.kind,
            tenant_code=access.tenant.code,
            department=data.department,
            display_name=data.display_name,
            actor=_actor(access),
        )

    @get("/api/v1/t/{code:str}/roles", opt={"object": "role", "action": "read"})
    async def list_grants(
        self, state: State, request: Request[Any, Any, Any], code: str, login: str | None = None
    ) -> list[dict[str, Any]]:
        access = _access(request)
        rows = await state.policy.admin.list_grants(login)
        return [r for r in rows if in_subtree(r["path"], access.tenant.path)]

    @post(
        "/api/v1/t/{code:str}/roles/grants",
        opt={"object": "role", "action": "grant"},
        status_code=201,
    )
    async def grant(
        self, state: State, request: Request[Any, Any, Any], code: str, data: GrantIn
    ) -> dict[str, Any]:
        return await state.policy.admin.grant(  # type: ignore[no-any-return]
            login=data.login, role=data.role, subtree=data.subtree, **_as_granter(request)
        )

    @post(
        "/api/v1/t/{code:str}/roles/revocations",
        opt={"object": "role", "action": "grant"},
        status_code=200,
    )
    async def revoke(
        self, state: State, request: Request[Any, Any, Any], code: str, data: RevokeIn
    ) -> dict[str, Any]:
        return await state.policy.admin.revoke(  # type: ignore[no-any-return]
            login=data.login, role=data.role, **_as_granter(request)
        )

    @post(
        "/api/v1/t/{code:str}/policy/denies",
        opt={"object": "role", "action": "grant"},
        status_code=201,
    )
    async def deny(
        self, state: State, request: Request[Any, Any, Any], code: str, data: DenyIn
    ) -> dict[str, Any]:
        return await state.policy.admin.deny(  # type: ignore[no-any-return]
            role=data.role, obj=data.object, action=data.action, **_as_granter(request)
        )

    @get("/api/v1/t/{code:str}/policy/explain", opt={"object": "role", "action": "read"})
    async def explain(
        self,
        state: State,
        request: Request[Any, Any, Any],
        code: str,
        login: str,
        action: str,
        obj: Annotated[str, QueryParameter(name="object")],
    ) -> dict[str, Any]:
        access = _access(request)
        return await state.policy.admin.explain(  # type: ignore[no-any-return]
            login=login, action=action, obj=obj, tenant_code=access.tenant.code
        )
