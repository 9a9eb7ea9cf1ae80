"""The JSON API of 经办人, for the signed-in person's own session.

GET    /api/v1/me/agents                     the enterprise's agents
POST   /api/v1/me/agents                     name one by mobile number (201)
DELETE /api/v1/me/agents/{agent_id}          revoke one; the answer carries the
                                             caller's fresh session (token and cookie)
GET    /api/v1/me/enterprises                the enterprises the citizen may act for
POST   /api/v1/me/enterprises/{legal_id}/act start acting for one (token and cookie)
"""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, Response, delete, get, post

from yiwang.policy.identity.agents.service import Agents, Started
from yiwang.policy.identity.controllers import SIGNED_IN
from yiwang.policy.identity.dependencies import IdentityServices
from yiwang.policy.identity.sessions import Session


class AgentIn(msgspec.Struct, forbid_unknown_fields=True):
    phone: Annotated[str, msgspec.Meta(max_length=64)]


def started(identity: IdentityServices, begun: Started, **extra: Any) -> Response[dict[str, Any]]:
    """A session the caller carries on in: its token in the answer and in the cookie."""
    return Response(
        {
            **extra,
            "token": begun.token,
            "account_id": begun.session.account_id,
            "kind": begun.session.kind,
            "login": begun.session.login,
            "agent_id": begun.session.agent_id,
        },
        cookies=[identity.session_cookie(begun.token)],
    )


class AgentController(Controller):
    path = "/api/v1/me"
    tags = ["identity"]  # noqa: RUF012

    @get("/agents", opt=SIGNED_IN)
    async def list_agents(self, agents: Agents, signed_in: Session) -> dict[str, Any]:
        return await agents.agents(signed_in)

    @post("/agents", opt=SIGNED_IN, status_code=201)
    async def name_agent(self, agents: Agents, signed_in: Session, data: AgentIn) -> dict[str, Any]:
        """Only the enterprise's own session; the person must have passed the real-name check."""
        return await agents.grant(signed_in, data.phone)

    @delete("/agents/{agent_id:int}", opt=SIGNED_IN, status_code=200)
    async def revoke_agent(
        self,
        agents: Agents,
        identity: IdentityServices,
        signed_in: Session,
        session_token: str,
        agent_id: int,
    ) -> Response[dict[str, Any]]:
        begun = await agents.revoke(signed_in, session_token, agent_id)
        return started(identity, begun, revoked=agent_id)

    @get("/enterprises", opt=SIGNED_IN)
    async def list_enterprises(self, agents: Agents, signed_in: Session) -> dict[str, Any]:
        return await agents.enterprises(signed_in)

    @post("/enterprises/{legal_id:int}/act", opt=SIGNED_IN, status_code=200)
    async def act_for(
        self, agents: Agents, identity: IdentityServices, signed_in: Session, legal_id: int
    ) -> Response[dict[str, Any]]:
        return started(identity, await agents.act_for(signed_in, legal_id))
