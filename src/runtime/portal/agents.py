"""企业经办人 on the subsite: an enterprise names and revokes its agents; a named citizen
starts acting for it. The page calls what the JSON API calls (`Agents`).

    GET  /r/{code}/my/agents                       the page (what it shows follows the session)
    POST /r/{code}/my/agents                       the enterprise names a person (`phone`)
    POST /r/{code}/my/agents/{agent_id}/revoke     the enterprise revokes one
    POST /r/{code}/my/agents/act/{legal_id}        a citizen acts for the enterprise

For the enterprise's own session the page lists its agents with 撤销 and a form to name
one; for a citizen, the enterprises that named them, each with 代该企业办理, which starts
a session of the enterprise's account naming the citizen and goes to 我的办件 (the
enterprise's cases); while acting, it says for whom. Every form carries CSRF; a refusal
is the page again with the message at its field.
"""

from __future__ import annotations

from typing import Any, Final

from litestar import Request, Response, get, post
from litestar.response import Redirect

from yiwang.platform.edge.csrf import CSRF_COOKIE
from yiwang.platform.errors import YiwangError
from yiwang.policy.identity.agents.service import Agents, Started, citizen_own, enterprise_own
from yiwang.policy.identity.dependencies import IdentityServices
from yiwang.policy.identity.sessions import Session
from yiwang.runtime.portal.my_cases.parts import SIGN_IN_FIRST, SIGNED_IN, SIGNED_IN_FORM
from yiwang.runtime.portal.rendering import page, region_of
from yiwang.runtime.portal.shell import MY_CASES
from yiwang.runtime.portal.viewer import PublicSite
from yiwang.runtime.web.posted import posted

AGENTS: Final = "/r/{code}/my/agents"
_MAX_FIELD: Final = 64


async def _page(
    request: Request[Any, Any, Any],
    code: str,
    site: PublicSite,
    agents: Agents,
    signed_in: Session,
    *,
    phone: str = "",
    errors: dict[str, str] | None = None,
    done: str = "",
    status: int = 200,
) -> Response[str]:
    tenant = region_of(request, code)
    base = AGENTS.format(code=code)
    return page(
        request,
        site.directory,
        tenant,
        "agents.html",
        viewer=await site.viewer(request),
        status=status,
        mode=(
            "enterprise"
            if enterprise_own(signed_in)
            else "citizen"
            if citizen_own(signed_in)
            else "acting"
            if signed_in.agent_id is not None
            else "other"
        ),
        acting_as=signed_in.login,
        agents=(await agents.agents(signed_in))["agents"],
        enterprises=(await agents.enterprises(signed_in))["enterprises"],
        action=base,
        revoke_url=base + "/{id}/revoke",
        act_url=base + "/act/{id}",
        my_cases_url=MY_CASES.format(code=code),
        realname_url=f"/r/{code}/my/realname",
        values={"phone": phone},
        errors=errors or {},
        done=done,
        csrf=request.cookies.get(CSRF_COOKIE, ""),
    )


async def _refused(
    request: Request[Any, Any, Any],
    code: str,
    site: PublicSite,
    agents: Agents,
    signed_in: Session,
    refused: YiwangError,
    field: str = "form",
    phone: str = "",
) -> Response[str]:
    """The page again, the refusal's message at `field` and what was typed kept."""
    errors = {field: refused.message()}
    return await _page(
        request, code, site, agents, signed_in, phone=phone, errors=errors, status=refused.status
    )


def _carry_on(identity: IdentityServices, begun: Started, to: str) -> Response[Any]:
    response: Response[Any] = Redirect(to, status_code=303)
    response.set_cookie(identity.session_cookie(begun.token))
    return response


@get(
    "/r/{code:str}/my/agents",
    opt=SIGNED_IN,
    exception_handlers=SIGN_IN_FIRST,
    include_in_schema=False,
)
async def agents_page(
    code: str, request: Request[Any, Any, Any], site: PublicSite, agents: Agents, signed_in: Session
) -> Response[str]:
    """The enterprise's agents, or the enterprises the citizen may act for."""
    done = request.query_params.get("done") or ""
    return await _page(
        request, code, site, agents, signed_in, done=done if done in ("named", "revoked") else ""
    )


@post(
    "/r/{code:str}/my/agents",
    opt=SIGNED_IN_FORM,
    exception_handlers=SIGN_IN_FIRST,
    include_in_schema=False,
)
async def name_agent(
    code: str, request: Request[Any, Any, Any], site: PublicSite, agents: Agents, signed_in: Session
) -> Response[Any]:
    """Name the person with the posted mobile number; then the page again."""
    region_of(request, code)
    phone = posted((await request.form()).dict(), "phone", _MAX_FIELD)
    try:
        await agents.grant(signed_in, phone)
    except YiwangError as refused:
        return await _refused(request, code, site, agents, signed_in, refused, "phone", phone)
    return Redirect(AGENTS.format(code=code) + "?done=named", status_code=303)


@post(
    "/r/{code:str}/my/agents/{agent_id:int}/revoke",
    opt=SIGNED_IN_FORM,
    exception_handlers=SIGN_IN_FIRST,
    include_in_schema=False,
)
async def revoke_agent(
    code: str,
    agent_id: int,
    request: Request[Any, Any, Any],
    site: PublicSite,
    agents: Agents,
    identity: IdentityServices,
    signed_in: Session,
    session_token: str,
) -> Response[Any]:
    """Revoke; the enterprise carries on in the fresh session the revocation hands it."""
    region_of(request, code)
    try:
        begun = await agents.revoke(signed_in, session_token, agent_id)
    except YiwangError as refused:
        return await _refused(request, code, site, agents, signed_in, refused)
    return _carry_on(identity, begun, AGENTS.format(code=code) + "?done=revoked")


@post(
    "/r/{code:str}/my/agents/act/{legal_id:int}",
    opt=SIGNED_IN_FORM,
    exception_handlers=SIGN_IN_FIRST,
    include_in_schema=False,
)
async def act_for(
    code: str,
    legal_id: int,
    request: Request[Any, Any, Any],
    site: PublicSite,
    agents: Agents,
    identity: IdentityServices,
    signed_in: Session,
) -> Response[Any]:
    """Act for the enterprise from now on, and see its cases."""
    region_of(request, code)
    try:
        begun = await agents.act_for(signed_in, legal_id)
    except YiwangError as refused:
        return await _refused(request, code, site, agents, signed_in, refused)
    return _carry_on(identity, begun, MY_CASES.format(code=code))


ROUTES: Final = (agents_page, name_agent, revoke_agent, act_for)
