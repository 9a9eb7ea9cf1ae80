"""Administering accounts: creation with an activation code, disabling, ending sessions,
resets by two administrators. Shared by the command line and the API.

The rules come from `reach`: an administrator finds only the accounts they may
see (`user:read` at the account's home tenant), and changes only those of
people who stand below them. The person's own factors stay theirs
(`identity.enrolment`): a creator receives an activation code, never a
password or TOTP secret; a reset gives each of two administrators half a
code. Everything that must end an account's sessions bumps its session
version, and the new version reaches every worker after commit. Every change
and every refusal is audited.

The command line (`actor` None) acts as the operator at the server: it sees
every account and outranks everyone, but records itself as the holder of the
codes it prints, like anyone else.
"""

from __future__ import annotations

from typing import Any

from yiwang.platform.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from yiwang.platform.tenant_context import TenantScope
from yiwang.platform.unit_of_work import UnitOfWork
from yiwang.policy import store
from yiwang.policy.catalogue import RoleCatalogue
from yiwang.policy.enforcer import PolicyEngine, user_subject
from yiwang.policy.identity.accounts import Accounts
from yiwang.policy.identity.crypto import mask_login
from yiwang.policy.identity.enrolment import Enrolment, Holder
from yiwang.policy.identity.inputs import printable
from yiwang.policy.identity.models import Account, Activation
from yiwang.policy.identity.repository import AccountRepository
from yiwang.policy.reach import check_outranks
from yiwang.policy.refusals import audited, safe_detail
from yiwang.policy.service import AccountLookup, EngineSource
from yiwang.tenants.repository import DepartmentRepository
from yiwang.tenants.tree import TenantNode, TenantTree

STATUS_NAMES = {"pending": "待激活", "active": "正常", "disabled": "已停用"}


def _account_id(subject: str | None) -> int | None:
    if subject is None or not subject.startswith("user:"):
        return None
    return int(subject.split(":", 1)[1])


class AccountAdmin:
    def __init__(
        self,
        uow: UnitOfWork,
        tree: TenantTree,
        catalogue: RoleCatalogue,
        accounts: Accounts,
        enrolment: Enrolment,
        engines: EngineSource,
    ) -> None:
        self.uow = uow
        self.session = uow.session
        self.tree = tree
        self.catalogue = catalogue
        self.accounts = accounts
        self.enrolment = enrolment
        self.lookup = AccountLookup(tree, accounts)
        self._engines = engines

    async def _engine(self) -> PolicyEngine:
        return await self._engines.engine_at(
            self.session, await store.current_version(self.session)
        )

    def _holder(self, actor: str | None) -> Holder:
        return Holder(self.uow.actor, _account_id(actor))

    def _tenant(self, code: str) -> TenantNode:
        found = self.tree.get(code.strip())
        if found is None:
            raise NotFound("tenant.not_found", pointer="/tenant", code=code[:12])
        return found

    async def _target(
        self, engine: PolicyEngine, login: str, actor: str | None, *, change: bool
    ) -> Account:
        """The account an administrator acts on: visible to them, and (for a change) of
        someone ranked below them everywhere the account holds a role."""
        account = await self.lookup.find(self.session, engine, login, viewer=actor, obj="user")
        if actor is not None and change:
            if actor == user_subject(account.id):
                raise PermissionDenied("identity.change_self")
            check_outranks(
                self.catalogue,
                engine,
                actor,
                user_subject(account.id),
                path=self.lookup.home_path(account) or "/",
                obj="user",
                action="write",
                at_path_only=False,
            )
        return account

    def _out(self, account: Account) -> dict[str, Any]:
        out = self.accounts.profile(account, own=False)
        home = self.tree.by_id.get(account.tenant_id) if account.tenant_id is not None else None
        out["tenant"] = home.code if home is not None else None
        return out

    async def _audit(self, action: str, account: Account, **detail: Any) -> None:
        await self.uow.audit(
            action=action,
            object_type="account",
            object_id=str(account.id),
            tenant_id=account.tenant_id,
            detail=detail,
        )

    def _announce(self, account_id: int, version: int) -> None:
        async def announce() -> None:
            await self.enrolment.announce(account_id, version)

        self.uow.after_commit(announce)

    # creation -------------------------------------------------------------

    async def create(
        self,
        *,
        login: str,
        kind: str,
        tenant_code: str | None,
        department: str | None,
        display_name: str | None,
        actor: str | None,
    ) -> dict[str, Any]:
        """A new account; staff and legal persons come with an activation code for their
        person, shown this once. `actor` None is the command line."""
        detail = safe_detail(
            kind=kind,
            tenant=tenant_code or "",
            department=department or "",
            by_api=actor is not None,
        )
        async with audited(self.uow, "user.create", detail) as attempt:
            if actor is not None and kind == "citizen":
                raise InvalidInput("identity.citizen_self_service", pointer="/kind")
            tenant = self._tenant(tenant_code) if tenant_code else None
            attempt.tenant_id = tenant.id if tenant else None
            if kind == "staff" and tenant is None:
                raise InvalidInput("identity.tenant_required", pointer="/tenant")
            if department is not None:
                if tenant is None:
                    raise InvalidInput("identity.tenant_required", pointer="/tenant")
                await self.uow.use_scope(TenantScope.single(tenant.id))
                if department not in await DepartmentRepository(self.session).keys(tenant.id):
                    raise InvalidInput(
                        "identity.department_unknown",
                        pointer="/department",
                        code=tenant.code,
                        department=department[:64],
                    )
            account = await self.accounts.create(
                self.session,
                kind=kind,
                login=login,
                display_name=display_name,
                tenant_id=tenant.id if tenant else None,
                department_key=department,
            )
            issued = None
            if account.status == "pending":
                issued = await self.enrolment.issue(self.session, account, self._holder(actor))
            await self._audit(
                "user.create",
                account,
                kind=kind,
                login=account.login,
                department=department,
                activation_id=issued.activation_id if issued else None,
            )
        out = self._out(account)
        if issued is not None:
            out.update(issued.as_dict())
        return out

    async def issue_activation(self, *, login: str, actor: str | None) -> dict[str, Any]:
        """A fresh code for an account whose person never activated it (the last expired)."""
        detail = safe_detail(login=mask_login(login.strip()[:64]))
        async with audited(self.uow, "user.activation", detail):
            engine = await self._engine()
            account = await self._target(engine, login, actor, change=True)
            issued = await self.enrolment.issue(self.session, account, self._holder(actor))
            await self._audit("user.activation", account, activation_id=issued.activation_id)
        return {**self._out(account), **issued.as_dict()}

    # status and sessions --------------------------------------------------

    async def set_status(
        self, *, login: str, status: str, reason: str | None, actor: str | None
    ) -> dict[str, Any]:
        """Disable (every session ends) or enable an account."""
        action = "user.disable" if status == "disabled" else "user.enable"
        detail = safe_detail(login=mask_login(login.strip()[:64]), reason=reason or "")
        async with audited(self.uow, action, detail):
            engine = await self._engine()
            found = await self._target(engine, login, actor, change=True)
            account = await AccountRepository(self.session).locked(found.id)
            assert account is not None
            allowed_from = ("active", "pending") if status == "disabled" else ("disabled",)
            if account.status not in allowed_from:
                raise Conflict(
                    "identity.status_unchanged",
                    login=account.login,
                    status=STATUS_NAMES.get(account.status, account.status),
                )
            if status == "active" and account.password_hash is None:
                status = "pending"  # re-enabled before its person ever activated it
            account.status = status
            version = await AccountRepository(self.session).bump_version(account)
            await self._audit(action, account, reason=printable(reason, 500) if reason else None)
        self._announce(account.id, version)
        return self._out(account)

    async def end_sessions(self, *, login: str, actor: str | None) -> dict[str, Any]:
        """Every session of the account ends on its next request, on every worker."""
        detail = safe_detail(login=mask_login(login.strip()[:64]))
        async with audited(self.uow, "user.sessions_end", detail):
            engine = await self._engine()
            found = await self.lookup.find(self.session, engine, login, viewer=actor, obj="user")
            if actor is not None and actor != user_subject(found.id):
                await self._target(engine, login, actor, change=True)
            account = await AccountRepository(self.session).locked(found.id)
            assert account is not None
            version = await AccountRepository(self.session).bump_version(account)
            await self._audit("user.sessions_end", account, session_version=version)
        self._announce(account.id, version)
        return {**self._out(account), "sessions_ended": True}

    # resets by two administrators ------------------------------------------

    async def request_reset(
        self, *, login: str, reason: str | None, actor: str | None
    ) -> dict[str, Any]:
        """The first administrator's step: they receive the first half of the code."""
        detail = safe_detail(login=mask_login(login.strip()[:64]), reason=reason or "")
        async with audited(self.uow, "user.reset_request", detail):
            engine = await self._engine()
            account = await self._target(engine, login, actor, change=True)
            issued = await self.enrolment.request_reset(
                self.session, account, self._holder(actor), reason=reason
            )
            await self._audit("user.reset_request", account, reset_id=issued.activation_id)
        return {
            **self._out(account),
            "reset_id": issued.activation_id,
            "first_half": issued.code,
            "request_expires_at": issued.expires_at.isoformat(),
        }

    async def _reset(self, engine: PolicyEngine, reset_id: int, actor: str | None) -> Activation:
        row = await AccountRepository(self.session).reset_request(reset_id)
        account = await self.accounts.get(self.session, row.account_id) if row else None
        if (
            row is None
            or account is None
            or not self.lookup.sees(engine, actor, account, obj="user")
        ):
            raise NotFound("identity.reset_not_found", pointer="/reset_id")
        return row

    async def approve_reset(self, *, reset_id: int, actor: str | None) -> dict[str, Any]:
        """The second administrator's step: they receive the second half; the account's
        factors are cleared and its sessions end."""
        async with audited(self.uow, "user.reset_approve", {"reset_id": reset_id}):
            engine = await self._engine()
            row = await self._reset(engine, reset_id, actor)
            found = await self.accounts.get(self.session, row.account_id)
            assert found is not None
            await self._target(engine, found.login, actor, change=True)
            account = await AccountRepository(self.session).locked(found.id)
            assert account is not None
            issued, version = await self.enrolment.approve_reset(
                self.session, row, account, self._holder(actor)
            )
            await self._audit(
                "user.reset_approve",
                account,
                reset_id=row.id,
                requested_by=row.issued_by,
                session_version=version,
            )
        self._announce(account.id, version)
        return {
            **self._out(account),
            "reset_id": row.id,
            "second_half": issued.code,
            "activation_expires_at": issued.expires_at.isoformat(),
        }

    async def open_resets(self, *, actor: str | None) -> list[dict[str, Any]]:
        """Resets waiting for a second administrator, of the accounts the caller may see."""
        engine = await self._engine()
        out = []
        for row in await AccountRepository(self.session).open_resets(self.enrolment.login.now()):
            account = await self.accounts.get(self.session, row.account_id)
            if account is None or not self.lookup.sees(engine, actor, account, obj="user"):
                continue
            out.append(
                {
                    "reset_id": row.id,
                    "login": account.login,
                    "requested_by": row.issued_by,
                    "reason": row.reason,
                    "requested_at": row.created_at.isoformat(),
                    "expires_at": row.expires_at.isoformat(),
                }
            )
        return out
