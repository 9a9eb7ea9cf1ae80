"""Policy administration API: accounts, grants, regional denies, explanations.

Thin handlers: the guard has already decided the caller may do the route's
object/action at `{code}`; `PolicyAdmin` and `AccountAdmin` apply the finer
rules (what the caller may see, rank, reach, separation of duties) with the
caller as granter, and audit.
"""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, get, post
from litestar.params import QueryParameter

from yiwang.policy.account_admin import AccountAdmin
from yiwang.policy.catalogue import RoleCatalogue
from yiwang.policy.guards import Access
from yiwang.policy.service import PolicyAdmin

USER_WRITE = {"object": "user", "action": "write"}

Key = Annotated[str, msgspec.Meta(max_length=64)]
Login = Annotated[str, msgspec.Meta(max_length=128)]


class UserIn(msgspec.Struct, forbid_unknown_fields=True):
    login: Login
    kind: Key = "staff"
    department: Key | None = None
    display_name: Annotated[str, msgspec.Meta(max_length=128)] | None = None


class AccountIn(msgspec.Struct, forbid_unknown_fields=True):
    login: Login


class StatusIn(msgspec.Struct, forbid_unknown_fields=True):
    login: Login
    reason: Annotated[str, msgspec.Meta(max_length=500)] | None = None


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

    @post("/api/v1/t/{code:str}/users", opt=USER_WRITE, status_code=201)
    async def create_user(
        self, account_admin: AccountAdmin, access: Access, code: str, data: UserIn
    ) -> dict[str, Any]:
        """A staff or legal-person account and its one-time activation code: the person
        sets their own password and TOTP with it. No password or secret is returned."""
        return await account_admin.create(
            login=data.login,
            kind=data.kind,
            tenant_code=access.tenant.code,
            department=data.department,
            display_name=data.display_name,
            actor=access.principal.subject,
        )

    @post("/api/v1/t/{code:str}/users/activations", opt=USER_WRITE, status_code=201)
    async def issue_activation(
        self, account_admin: AccountAdmin, access: Access, code: str, data: AccountIn
    ) -> dict[str, Any]:
        """A fresh activation code for an account its person never activated."""
        return await account_admin.issue_activation(
            login=data.login, actor=access.principal.subject
        )

    @post("/api/v1/t/{code:str}/users/disable", opt=USER_WRITE, status_code=200)
    async def disable_user(
        self, account_admin: AccountAdmin, access: Access, code: str, data: StatusIn
    ) -> dict[str, Any]:
        """Disable an account: its sessions end on their next request, on every worker."""
        return await account_admin.set_status(
            login=data.login, status="disabled", reason=data.reason, actor=access.principal.subject
        )

    @post("/api/v1/t/{code:str}/users/enable", opt=USER_WRITE, status_code=200)
    async def enable_user(
        self, account_admin: AccountAdmin, access: Access, code: str, data: StatusIn
    ) -> dict[str, Any]:
        return await account_admin.set_status(
            login=data.login, status="active", reason=data.reason, actor=access.principal.subject
        )

    @post("/api/v1/t/{code:str}/users/sessions/end", opt=USER_WRITE, status_code=200)
    async def end_sessions(
        self, account_admin: AccountAdmin, access: Access, code: str, data: AccountIn
    ) -> dict[str, Any]:
        """End every session of an account (sign it out everywhere)."""
        return await account_admin.end_sessions(login=data.login, actor=access.principal.subject)

    @get("/api/v1/t/{code:str}/users/resets", opt={"object": "user", "action": "read"})
    async def open_resets(
        self, account_admin: AccountAdmin, access: Access, code: str
    ) -> list[dict[str, Any]]:
        """Resets waiting for a second administrator."""
        return await account_admin.open_resets(actor=access.principal.subject)

    @post("/api/v1/t/{code:str}/users/resets", opt=USER_WRITE, status_code=201)
    async def request_reset(
        self, account_admin: AccountAdmin, access: Access, code: str, data: StatusIn
    ) -> dict[str, Any]:
        """Request a reset of a person's factors: you receive the first half of the code."""
        return await account_admin.request_reset(
            login=data.login, reason=data.reason, actor=access.principal.subject
        )

    @post(
        "/api/v1/t/{code:str}/users/resets/{reset_id:int}/approve",
        opt=USER_WRITE,
        status_code=200,
    )
    async def approve_reset(
        self, account_admin: AccountAdmin, access: Access, code: str, reset_id: int
    ) -> dict[str, Any]:
        """Approve another administrator's reset: you receive the second half of the code;
        the account's password and TOTP secret are cleared and its sessions end."""
        return await account_admin.approve_reset(reset_id=reset_id, actor=access.principal.subject)

    @get("/api/v1/t/{code:str}/roles", opt={"object": "role", "action": "read"})
    async def list_grants(
        self, policy_admin: PolicyAdmin, access: Access, code: str, login: str | None = None
    ) -> list[dict[str, Any]]:
        """Grants at or below `{code}` that you may read; `login` must be an account you
        may see (any other answers 404, like an unknown one)."""
        return await policy_admin.list_grants(
            login, viewer=access.principal.subject, within=access.tenant.code
        )

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
            login=login,
            action=action,
            obj=obj,
            tenant_code=access.tenant.code,
            viewer=access.principal.subject,
        )
