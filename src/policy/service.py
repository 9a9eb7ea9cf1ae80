"""Policy administration shared by the command line and the API.

Users, grants, revocations and explanations, in the caller's unit of work.
Changes are serialised by a transaction-scoped advisory lock and checked
against an engine at the version just read under that lock, so two concurrent
grants cannot together break separation of duties. A refused change is
audited in the unit's independent transaction before the error reaches the
caller; an accepted one announces the new policy version after commit.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from yiwang.platform.errors import InvalidInput, NotFound, YiwangError
from yiwang.platform.tenant_context import TenantScope
from yiwang.platform.unit_of_work import UnitOfWork
from yiwang.policy import store
from yiwang.policy.catalogue import RoleCatalogue
from yiwang.policy.enforcer import PolicyEngine, user_subject
from yiwang.policy.explain import explain
from yiwang.policy.grants import check_deny_override, check_grant, check_revoke
from yiwang.policy.identity.accounts import Accounts, kind_of_login
from yiwang.policy.identity.crypto import mask_login
from yiwang.policy.identity.models import Account
from yiwang.tenants.repository import DepartmentRepository
from yiwang.tenants.tree import TenantNode, TenantTree, path_codes

#: pg_advisory_xact_lock key that serialises policy changes ("policy" in ASCII)
_POLICY_LOCK = 0x706F6C696379


@dataclass
class _Attempt:
    """What a refusal's audit record can name: the tenant, once it is looked up."""

    tenant_id: int | None = None


class EngineSource(Protocol):
    async def engine_at(self, session: AsyncSession, version: int) -> PolicyEngine:
        """An engine built from the database at exactly or after `version`."""
        ...


class SnapshotEngines:
    """Builds an engine from the caller's session (the command line has no workers)."""

    def __init__(self, catalogue: RoleCatalogue) -> None:
        self.catalogue = catalogue

    async def engine_at(self, session: AsyncSession, version: int) -> PolicyEngine:
        return PolicyEngine(await store.load_snapshot(session, self.catalogue))


def subject_of(account: Account, catalogue: RoleCatalogue) -> str:
    """Staff are `user:<id>`; citizens and legal persons act as their kind's role."""
    implicit = catalogue.role_for_kind(account.kind)
    return implicit.key if implicit is not None else user_subject(account.id)


class PolicyAdmin:
    def __init__(
        self,
        uow: UnitOfWork,
        tree: TenantTree,
        catalogue: RoleCatalogue,
        accounts: Accounts,
        engines: EngineSource,
        notify: Callable[[int], Awaitable[None]],
    ) -> None:
        self.uow = uow
        self.session = uow.session
        self.tree = tree
        self.catalogue = catalogue
        self.accounts = accounts
        self._engines = engines
        self._notify = notify

    # lookups ------------------------------------------------------------

    def tenant(self, code: str) -> TenantNode:
        found = self.tree.get(code.strip())
        if found is None:
            raise NotFound("tenant.not_found", pointer="/tenant", code=code[:12])
        return found

    async def account(self, session: AsyncSession, login: str) -> Account:
        kind = kind_of_login(login)
        found = await self.accounts.find(session, kind, login)
        if found is None and kind != "staff":
            found = await self.accounts.find(session, "staff", login)
        if found is None:
            raise NotFound("identity.account_not_found", pointer="/login", login=login[:64])
        return found

    # refusals -----------------------------------------------------------

    @asynccontextmanager
    async def _attempt(self, action: str, *, detail: dict[str, Any]) -> AsyncIterator[_Attempt]:
        """Audit a change refused inside the block, then let the error through.

        The record is written in the unit's independent transaction: the unit
        is rolling back. It names the tenant once the block has set it.
        """
        attempt = _Attempt()
        try:
            yield attempt
        except YiwangError as exc:
            async with self.uow.independent() as session:
                await store.record_refusal(
                    session,
                    actor=self.uow.actor,
                    action=action,
                    code=exc.code,
                    tenant_id=attempt.tenant_id,
                    detail=detail,
                )
            raise

    # users --------------------------------------------------------------

    async def create_user(
        self,
        *,
        login: str,
        kind: str,
        tenant_code: str | None,
        department: str | None,
        display_name: str | None,
    ) -> dict[str, Any]:
        detail = {"kind": kind[:20], "tenant": (tenant_code or "")[:12], "department": department}
        session = self.session
        async with self._attempt("user.create", detail=detail):
            tenant = self.tenant(tenant_code) if tenant_code else None
            if kind == "staff" and tenant is None:
                raise InvalidInput("identity.tenant_required", pointer="/tenant")
            if department is not None:
                if tenant is None:
                    raise InvalidInput("identity.tenant_required", pointer="/tenant")
                await self.uow.use_scope(TenantScope.single(tenant.id))
                if department not in await DepartmentRepository(session).keys(tenant.id):
                    raise InvalidInput(
                        "identity.department_unknown",
                        pointer="/department",
                        code=tenant.code,
                        department=department[:64],
                    )
            created = await self.accounts.create(
                session,
                kind=kind,
                login=login,
                display_name=display_name,
                tenant_id=tenant.id if tenant else None,
                department_key=department,
            )
            account = created.account
            await self.uow.audit(
                action="user.create",
                object_type="account",
                object_id=str(account.id),
                tenant_id=account.tenant_id,
                detail={"kind": kind, "login": account.login, "department": department},
            )
            out = self.accounts.profile(account, own=False)
        out["tenant"] = tenant.code if tenant else None
        if created.initial_password is not None:
            out["initial_password"] = created.initial_password
        if created.totp_uri is not None:
            out["totp_uri"] = created.totp_uri
        return out

    # grants -------------------------------------------------------------

    async def _locked_engine(self, session: AsyncSession) -> PolicyEngine:
        await session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _POLICY_LOCK})
        return await self._engines.engine_at(session, await store.current_version(session))

    async def _change(
        self,
        action: str,
        *,
        tenant_code: str,
        detail: dict[str, Any],
        apply: Callable[[AsyncSession, TenantNode], Awaitable[tuple[int, dict[str, Any]]]],
    ) -> dict[str, Any]:
        """Apply one change at `tenant_code`; the new version is announced after commit.

        `apply` returns the new policy version and the answer.
        """
        async with self._attempt(action, detail=detail) as attempt:
            tenant = self.tenant(tenant_code)
            attempt.tenant_id = tenant.id
            version, out = await apply(self.session, tenant)

        async def announce() -> None:
            await self._notify(version)

        self.uow.after_commit(announce)
        return {**out, "policy_version": version}

    async def grant(
        self,
        *,
        login: str,
        role: str,
        tenant_code: str,
        subtree: bool,
        granter: str | None,
    ) -> dict[str, Any]:
        async def apply(session: AsyncSession, tenant: TenantNode) -> tuple[int, dict[str, Any]]:
            account = await self.account(session, login)
            grant = check_grant(
                self.catalogue,
                await self._locked_engine(session),
                grantee=user_subject(account.id),
                grantee_kind=account.kind,
                role_key=role,
                tenant=tenant,
                subtree=subtree,
                granter=granter,
            )
            version = await store.add_grant(
                session, grant, actor=self.uow.actor, tenant_id=tenant.id
            )
            return version, {
                "login": account.login,
                "role": grant.role,
                "role_name": self.catalogue.roles[grant.role].name,
                "tenant": tenant.code,
                "tenant_name": tenant.name,
                "path": grant.node,
                "subtree": grant.subtree,
            }

        detail = {
            "login": mask_login(login.strip()[:64]),
            "role": role[:64],
            "tenant": tenant_code[:12],
            "subtree": subtree,
        }
        return await self._change("role.grant", tenant_code=tenant_code, detail=detail, apply=apply)

    async def revoke(
        self, *, login: str, role: str, tenant_code: str, granter: str | None
    ) -> dict[str, Any]:
        async def apply(session: AsyncSession, tenant: TenantNode) -> tuple[int, dict[str, Any]]:
            account = await self.account(session, login)
            grants = check_revoke(
                self.catalogue,
                await self._locked_engine(session),
                grantee=user_subject(account.id),
                role_key=role,
                tenant=tenant,
                granter=granter,
            )
            version = await store.remove_grants(
                session, grants, actor=self.uow.actor, tenant_id=tenant.id
            )
            return version, {
                "login": account.login,
                "role": role,
                "tenant": tenant.code,
                "revoked": len(grants),
            }

        detail = {
            "login": mask_login(login.strip()[:64]),
            "role": role[:64],
            "tenant": tenant_code[:12],
        }
        return await self._change(
            "role.revoke", tenant_code=tenant_code, detail=detail, apply=apply
        )

    async def deny(
        self,
        *,
        role: str,
        obj: str,
        action: str,
        tenant_code: str,
        granter: str | None,
    ) -> dict[str, Any]:
        """Add a region's deny override at its own node."""

        async def apply(session: AsyncSession, tenant: TenantNode) -> tuple[int, dict[str, Any]]:
            rule = check_deny_override(
                self.catalogue,
                await self._locked_engine(session),
                role_key=role,
                obj=obj,
                action=action,
                tenant=tenant,
                granter=granter,
            )
            version = await store.add_override(
                session, rule, actor=self.uow.actor, tenant_id=tenant.id
            )
            return version, {**rule.as_dict(), "tenant": tenant.code}

        detail = {
            "role": role[:64],
            "object": obj[:64],
            "action": action[:64],
            "tenant": tenant_code[:12],
        }
        return await self._change(
            "policy.deny", tenant_code=tenant_code, detail=detail, apply=apply
        )

    async def list_grants(self, login: str | None) -> list[dict[str, Any]]:
        session = self.session
        engine = await self._engines.engine_at(session, await store.current_version(session))
        accounts: list[Account]
        if login is not None:
            accounts = [await self.account(session, login)]
        else:
            ids = {int(s.split(":", 1)[1]) for s in engine.subjects() if s.startswith("user:")}
            rows = await session.scalars(select(Account).where(Account.id.in_(ids)))
            accounts = sorted(rows, key=lambda a: a.id)
        tenants = {t.path: t for t in self.tree.by_code.values()}
        out = []
        for account in accounts:
            for g in engine.grants_of(user_subject(account.id)):
                tenant = tenants.get(g.node)
                out.append(
                    {
                        "login": account.login,
                        "role": g.role,
                        "role_name": self.catalogue.roles[g.role].name
                        if g.role in self.catalogue.roles
                        else g.role,
                        "tenant": tenant.code if tenant else (path_codes(g.node) or ("",))[-1],
                        "tenant_name": tenant.name if tenant else None,
                        "path": g.node,
                        "subtree": g.subtree,
                    }
                )
        return out

    async def explain(
        self, *, login: str, action: str, obj: str, tenant_code: str
    ) -> dict[str, Any]:
        self.catalogue.check_action(action)
        self.catalogue.check_object(obj)
        tenant = self.tenant(tenant_code)
        account = await self.account(self.session, login)
        engine = await self._engines.engine_at(
            self.session, await store.current_version(self.session)
        )
        out = explain(engine, subject_of(account, self.catalogue), tenant.path, obj, action)
        out["login"] = account.login
        out["tenant"] = {"code": tenant.code, "name": tenant.name, "path": tenant.path}
        return out
