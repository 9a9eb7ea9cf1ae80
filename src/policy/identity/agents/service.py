"""Naming, revoking and acting as 经办人, for the signed-in person's own session."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from yiwang.platform.i18n import translate
from yiwang.platform.unit_of_work import UnitOfWork
from yiwang.policy.identity.account_versions import AccountVersions
from yiwang.policy.identity.accounts import Accounts
from yiwang.policy.identity.agents.errors import (
    AgentUnknown,
    NotCitizen,
    NotEnterprise,
    NotNamed,
    PersonUnknown,
    PersonUnverified,
)
from yiwang.policy.identity.agents.repository import AgentRepository, Named
from yiwang.policy.identity.codes import normalise_phone
from yiwang.policy.identity.repository import AccountRepository
from yiwang.policy.identity.sessions import Session, SessionStore


@dataclass(frozen=True)
class Started:
    """A session the service started: its token for the cookie, and the session."""

    token: str
    session: Session


def enterprise_own(signed_in: Session) -> bool:
    """The enterprise's own session, not an agent acting for it."""
    return signed_in.kind == "legal" and signed_in.agent_id is None


def citizen_own(signed_in: Session) -> bool:
    return signed_in.kind == "citizen" and signed_in.agent_id is None


def _shown(named: Named) -> dict[str, Any]:
    account = named.account
    return {
        "id": account.id,
        "login": account.login,
        "name": account.display_name,
        "granted_at": named.granted_at.isoformat(),
    }


class Agents:
    def __init__(
        self,
        uow: UnitOfWork,
        accounts: Accounts,
        sessions: SessionStore,
        versions: AccountVersions,
    ) -> None:
        self.uow = uow
        self.accounts = accounts
        self.sessions = sessions
        self.versions = versions
        self.repo = AgentRepository(uow.session)

    async def agents(self, signed_in: Session) -> dict[str, Any]:
        """The enterprise's agents (none for any other session)."""
        found = await self.repo.agents_of(signed_in.account_id) if enterprise_own(signed_in) else []
        return {"id": signed_in.account_id, "agents": [_shown(n) for n in found]}

    async def enterprises(self, signed_in: Session) -> dict[str, Any]:
        """The enterprises the citizen may act for (none for any other session)."""
        found = (
            await self.repo.enterprises_of(signed_in.account_id) if citizen_own(signed_in) else []
        )
        return {"id": signed_in.account_id, "enterprises": [_shown(n) for n in found]}

    async def grant(self, signed_in: Session, phone: str) -> dict[str, Any]:
        """Name the citizen with this mobile number; they must have passed the real-name check."""
        if not enterprise_own(signed_in):
            raise NotEnterprise("identity.agents.enterprise_only")
        number = normalise_phone(phone, pointer="/phone")
        person = await self.accounts.find(self.uow.session, "citizen", number)
        if person is None or person.status != "active":
            raise PersonUnknown("identity.agents.unknown_person", pointer="/phone")
        if person.realname_verified_at is None:
            raise PersonUnverified("identity.agents.not_verified", pointer="/phone")
        added = await self.repo.grant(signed_in.account_id, person.id, self.uow.actor)
        if added:
            await self.uow.audit(
                action="identity.agent_granted",
                object_type="account",
                object_id=str(signed_in.account_id),
                tenant_id=None,
                detail={"agent": person.id},
            )
        return {"id": person.id, "login": person.login, "name": person.display_name}

    async def revoke(self, signed_in: Session, token: str, agent_id: int) -> Started:
        """Revoke an agent and end every session of the enterprise, the agent's acting ones
        with it; the caller carries on in the fresh session this returns."""
        if not enterprise_own(signed_in):
            raise NotEnterprise("identity.agents.enterprise_only")
        if not await self.repo.revoke(signed_in.account_id, agent_id):
            raise AgentUnknown("identity.agents.unknown_agent", pointer="/agent_id")
        enterprise = await AccountRepository(self.uow.session).locked(signed_in.account_id)
        assert enterprise is not None
        version = await AccountRepository(self.uow.session).bump_version(enterprise)
        await self.uow.audit(
            action="identity.agent_revoked",
            object_type="account",
            object_id=str(enterprise.id),
            tenant_id=None,
            detail={"agent": agent_id, "session_version": version},
        )

        async def announce() -> None:
            await self.versions.publish(enterprise.id, version)

        self.uow.after_commit(announce)
        await self.sessions.delete(token)
        fresh, session = await self.sessions.create(
            enterprise.id,
            "legal",
            admin=False,
            second_factor=signed_in.second_factor,
            login=signed_in.login,
            version=version,
        )
        return Started(fresh, session)

    async def act_for(self, signed_in: Session, legal_id: int) -> Started:
        """A session of the enterprise's account that names the citizen as its agent."""
        if not citizen_own(signed_in):
            raise NotCitizen("identity.agents.citizen_only")
        enterprise = await self.accounts.get(self.uow.session, legal_id)
        if (
            enterprise is None
            or enterprise.kind != "legal"
            or enterprise.status != "active"
            or not await self.repo.holds(legal_id, signed_in.account_id)
        ):
            raise NotNamed("identity.agents.not_named", pointer="/legal_id")
        await self.uow.audit(
            action="identity.acting_for",
            object_type="account",
            object_id=str(enterprise.id),
            tenant_id=None,
            detail={"agent": signed_in.account_id},
        )
        token, session = await self.sessions.create(
            enterprise.id,
            "legal",
            admin=False,
            login=translate(
                "identity.agents.acting_as", enterprise=enterprise.login, agent=signed_in.login
            ),
            version=enterprise.session_version,
            agent_id=signed_in.account_id,
            agent_version=signed_in.version,
        )
        return Started(token, session)
