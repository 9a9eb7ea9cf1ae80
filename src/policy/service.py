"""Policy administration shared by the command line and the API: grants, revocations,
regional denies, listings and explanations, in the caller's unit of work.

Changes are serialised by a transaction-scoped advisory lock and checked
against an engine at the version just read under that lock, so two concurrent
grants cannot together break separation of duties. A refused change is
audited in the unit's independent transaction before the error reaches the
caller; an accepted one announces the new policy version after commit.

Every account lookup made for a person (`viewer`) is scoped to what that
person may see (`reach.visible`): an account outside it answers exactly as an
unknown login. The command line (`viewer` None) sees every account.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from yiwang.platform.errors import NotFound
from yiwang.platform.unit_of_work import UnitOfWork
from yiwang.policy import store
from yiwang.policy.catalogue import RoleCatalogue
from yiwang.policy.enforcer import PolicyEngine, user_subject
from yiwang.policy.explain import explain
from yiwang.policy.grants import (
    GranteeFactors,
    check_deny_override,
    check_grant,
    check_revoke,
)
from yiwang.policy.identity.accounts import Accounts, kind_of_login
from yiwang.policy.identity.crypto import mask_login
from yiwang.policy.identity.models import Account
from yiwang.policy.identity.repository import AccountRepository
from yiwang.policy.names import check_name
from yiwang.policy.reach import visible
from yiwang.policy.refusals import audited, safe_detail
from yiwang.tenants.tree import TenantNode, TenantTree, path_codes, path_within

#: pg_advisory_xact_lock key that serialises policy changes ("policy" in ASCII)
_POLICY_LOCK = 0x706F6C696379


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


def account_not_found(login: str) -> NotFound:
    """The one answer for a login that has no account and for one the caller may not see."""
    return NotFound("identity.account_not_found", pointer="/login", login=login[:64])


class AccountLookup:
    """Finds accounts by login, as far as the caller may see them."""

    def __init__(self, tree: TenantTree, accounts: Accounts) -> None:
        self.tree = tree
        self.accounts = accounts

    async def raw(self, session: AsyncSession, login: str) -> Account | None:
        kind = kind_of_login(check_name(login, "/login"))
        found = await self.accounts.find(session, kind, login)
        if found is None and kind != "staff":
            found = await self.accounts.find(session, "staff", login)
        return found

    def home_path(self, account: Account) -> str | None:
        home = self.tree.by_id.get(account.tenant_id) if account.tenant_id is not None else None
        return home.path if home is not None else None

    def sees(self, engine: PolicyEngine, viewer: str | None, account: Account, *, obj: str) -> bool:
        if viewer is None:
            return True
        grants = engine.grants_of(user_subject(account.id)) if obj == "role" else []
        return visible(
            engine,
            viewer,
            kind=account.kind,
            home_path=self.home_path(account),
            grants=grants,
            obj=obj,
        )

    async def find(
        self,
        session: AsyncSession,
        engine: PolicyEngine,
        login: str,
        *,
        viewer: str | None,
        obj: str,
    ) -> Account:
        """The account of `login` if `viewer` may see it (about `obj`), else not found."""
        found = await self.raw(session, login)
        if found is None or not self.sees(engine, viewer, found, obj=obj):
            raise account_not_found(login)
        return found


async def factors_of(session: AsyncSession, account: Account) -> GranteeFactors:
    """Whether the account's person set their own factors, and who held its codes."""
    holders = await AccountRepository(session).holders(account.id)
    return GranteeFactors(
        activated=account.status == "active" and account.password_hash is not None,
        holders=frozenset(
            {actor for actor, _ in holders} | {user_subject(i) for _, i in holders if i is not None}
        ),
    )


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
        self.lookup = AccountLookup(tree, accounts)
        self._engines = engines
        self._notify = notify

    # lookups ------------------------------------------------------------

    def tenant(self, code: str) -> TenantNode:
        found = self.tree.get(code.strip())
        if found is None:
            raise NotFound("tenant.not_found", pointer="/tenant", code=code[:12])
        return found

    async def engine(self) -> PolicyEngine:
        return await self._engines.engine_at(
            self.session, await store.current_version(self.session)
        )

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
        async with audited(self.uow, action, detail) as attempt:
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
            engine = await self._locked_engine(session)
            account = await self.lookup.find(session, engine, login, viewer=granter, obj="role")
            grant = check_grant(
                self.catalogue,
                engine,
                grantee=user_subject(account.id),
                grantee_kind=account.kind,
                role_key=role,
                tenant=tenant,
                subtree=subtree,
                granter=granter,
                factors=await factors_of(session, account),
                acting=self.uow.actor,
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

        detail = safe_detail(
            login=mask_login(login.strip()[:64]), role=role, tenant=tenant_code, subtree=subtree
        )
        return await self._change("role.grant", tenant_code=tenant_code, detail=detail, apply=apply)

    async def revoke(
        self, *, login: str, role: str, tenant_code: str, granter: str | None
    ) -> dict[str, Any]:
        async def apply(session: AsyncSession, tenant: TenantNode) -> tuple[int, dict[str, Any]]:
            engine = await self._locked_engine(session)
            account = await self.lookup.find(session, engine, login, viewer=granter, obj="role")
            grants = check_revoke(
                self.catalogue,
                engine,
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

        detail = safe_detail(login=mask_login(login.strip()[:64]), role=role, tenant=tenant_code)
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

        detail = safe_detail(role=role, object=obj, action=action, tenant=tenant_code)
        return await self._change(
            "policy.deny", tenant_code=tenant_code, detail=detail, apply=apply
        )

    # reading ------------------------------------------------------------

    async def list_grants(
        self, login: str | None, *, viewer: str | None = None, within: str | None = None
    ) -> list[dict[str, Any]]:
        """Grants, of one login or of everyone; for a viewer, those at tenants they may
        read roles at (below `within`, the route's tenant), of accounts they may see."""
        session = self.session
        engine = await self.engine()
        accounts: list[Account]
        if login is not None:
            accounts = [await self.lookup.find(session, engine, login, viewer=viewer, obj="role")]
        else:
            ids = {int(s.split(":", 1)[1]) for s in engine.subjects() if s.startswith("user:")}
            rows = await session.scalars(select(Account).where(Account.id.in_(ids)))
            accounts = sorted(rows, key=lambda a: a.id)
        scope = self.tenant(within).path if within is not None else None
        tenants = {t.path: t for t in self.tree.by_code.values()}
        out = []
        for account in accounts:
            for g in engine.grants_of(user_subject(account.id)):
                if viewer is not None and not engine.allowed(viewer, g.node, "role", "read"):
                    continue
                if scope is not None and not path_within(g.node, scope):
                    continue
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
        self,
        *,
        login: str,
        action: str,
        obj: str,
        tenant_code: str,
        viewer: str | None = None,
    ) -> dict[str, Any]:
        self.catalogue.check_action(action)
        self.catalogue.check_object(obj)
        tenant = self.tenant(tenant_code)
        engine = await self.engine()
        account = await self.lookup.find(self.session, engine, login, viewer=viewer, obj="role")
        out = explain(engine, subject_of(account, self.catalogue), tenant.path, obj, action)
        out["login"] = account.login
        out["tenant"] = {"code": tenant.code, "name": tenant.name, "path": tenant.path}
        return out
