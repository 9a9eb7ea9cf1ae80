"""The guard on every route, and the database scope it hands to the handler.

Each route handler declares `opt={"object": ..., "action": ...}` or
`opt={"public": True}`; a route with neither is refused (fail closed), and a
test walks the route table so none ships that way. For a protected route the
guard:

1. finds the session (cookie `yiwang_session` or `Authorization: Bearer`),
   and insists on a verified second factor for staff;
2. finds the target tenant from the route's `{code}` path parameter or the
   subsite resolver, never from a header, query or body, so a forged tenant id
   in those is simply ignored;
3. asks Casbin (through the worker's cached `PolicyHolder`);
4. builds the `TenantScope` row-level security will use: the target alone, or
   on `/subtree/` routes every tenant below it where the same decision holds,
   so the two walls agree.

A subject with no role at all at the target gets 404, not 403, so that a user
of one region cannot even learn what exists in another.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from litestar.connection import ASGIConnection
from litestar.datastructures import State
from litestar.handlers.base import BaseRouteHandler
from sqlalchemy.ext.asyncio import AsyncSession

from yiwang.platform.errors import NotAuthenticated, NotFound, PermissionDenied
from yiwang.platform.tenant_context import TenantScope, apply_scope
from yiwang.policy.catalogue import RoleCatalogue
from yiwang.policy.domains import in_subtree
from yiwang.policy.enforcer import Decision, user_subject
from yiwang.policy.holder import PolicyHolder
from yiwang.policy.identity.sessions import Session
from yiwang.tenants.directory import TenantDirectory, TenantInfo
from yiwang.tenants.subsite import tenant_of

SESSION_COOKIE = "yiwang_session"
ACCESS_STATE_KEY = "access"
SUBTREE_SEGMENT = "/subtree/"


@dataclass(frozen=True)
class Principal:
    """Who is calling, as far as authorisation needs to know."""

    account_id: int
    kind: str
    login: str
    subject: str
    admin: bool
    home_tenant_id: int | None
    department: str | None


@dataclass(frozen=True)
class Access:
    """What the guard decided for this request; handlers and queries read it."""

    principal: Principal
    tenant: TenantInfo
    object: str
    action: str
    decision: Decision
    scope: TenantScope
    #: every role granting this access is department-scoped: show only `department`'s work
    department_only: bool


def session_token(connection: ASGIConnection[Any, Any, Any, Any]) -> str | None:
    auth = connection.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        return auth[7:].strip() or None
    return connection.cookies.get(SESSION_COOKIE) or None


def principal_of(session: Session, catalogue: RoleCatalogue) -> Principal:
    implicit = catalogue.role_for_kind(session.kind)
    return Principal(
        account_id=session.account_id,
        kind=session.kind,
        login=session.login,
        subject=implicit.key if implicit else user_subject(session.account_id),
        admin=session.admin,
        home_tenant_id=session.tenant_id,
        department=session.department,
    )


def _target(
    connection: ASGIConnection[Any, Any, Any, Any],
    directory: TenantDirectory,
    principal: Principal,
) -> TenantInfo:
    code = connection.path_params.get("code")
    if code is not None:
        info = directory.by_code.get(str(code))
        if info is None:
            raise NotFound("tenant.not_found", code=str(code)[:12])
        return info
    info = tenant_of(connection.scope)
    if info is not None:
        return info
    if principal.home_tenant_id is not None:
        for candidate in directory.by_code.values():
            if candidate.id == principal.home_tenant_id:
                return candidate
    roots = [i for i in directory.by_code.values() if i.parent_code is None]
    if len(roots) != 1:
        raise NotFound("not_found")
    return roots[0]


def _scope(
    holder: PolicyHolder,
    directory: TenantDirectory,
    principal: Principal,
    tenant: TenantInfo,
    obj: str,
    action: str,
    subtree: bool,
) -> TenantScope:
    if not subtree:
        return TenantScope.single(tenant.id)
    below = [
        i.id
        for i in directory.by_code.values()
        if i.id != tenant.id
        and in_subtree(i.path, tenant.path)
        and holder.allowed(principal.subject, i.path, obj, action)
    ]
    return TenantScope.subtree(tenant.id, sorted(below))


def _department_only(
    holder: PolicyHolder,
    catalogue: RoleCatalogue,
    principal: Principal,
    dom: str,
    obj: str,
    action: str,
) -> bool:
    roles = holder.engine.roles_at(principal.subject, dom) or [principal.subject]
    granting = [
        catalogue.roles[r]
        for r in roles
        if r in catalogue.roles and catalogue.roles[r].allows(obj, action)
    ]
    return bool(granting) and all(r.department for r in granting)


def is_automatic_options(handler: BaseRouteHandler) -> bool:
    """Litestar's generated OPTIONS handler: it only lists the allowed methods."""
    return (
        not handler.opt
        and getattr(handler, "http_methods", None) == {"OPTIONS"}
        and getattr(getattr(handler, "fn", None), "__name__", "") == "options_handler"
    )


async def policy_guard(
    connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler
) -> None:
    opt = handler.opt or {}
    if opt.get("public") is True or is_automatic_options(handler):
        return
    obj, action = opt.get("object"), opt.get("action")
    if not isinstance(obj, str) or not isinstance(action, str):
        raise PermissionDenied("policy.route_undeclared", path=connection.url.path)
    services = connection.app.state.policy
    token = session_token(connection)
    session = await services.session_store.get(token) if token else None
    if session is None:
        raise NotAuthenticated("auth.required")
    if session.kind == "staff" and not session.second_factor:
        raise NotAuthenticated("identity.second_factor_required")
    catalogue: RoleCatalogue = services.catalogue
    holder: PolicyHolder = services.sync.holder
    directory: TenantDirectory = connection.app.state.directory
    principal = principal_of(session, catalogue)
    tenant = _target(connection, directory, principal)
    decision = holder.decide(principal.subject, tenant.path, obj, action)
    if not decision.allowed:
        if principal.kind == "staff" and not holder.engine.grants_reaching(
            principal.subject, tenant.path
        ):
            raise NotFound("not_found")
        raise PermissionDenied("auth.forbidden")
    subtree = SUBTREE_SEGMENT in connection.url.path
    access = Access(
        principal=principal,
        tenant=tenant,
        object=obj,
        action=action,
        decision=decision,
        scope=_scope(holder, directory, principal, tenant, obj, action, subtree),
        department_only=_department_only(holder, catalogue, principal, tenant.path, obj, action),
    )
    connection.state[ACCESS_STATE_KEY] = access
    connection.scope["user"] = principal


def access_of(connection: ASGIConnection[Any, Any, Any, Any]) -> Access | None:
    found = connection.state.get(ACCESS_STATE_KEY)
    return found if isinstance(found, Access) else None


async def provide_scoped_db_session(
    state: State, request: ASGIConnection[Any, Any, Any, Any]
) -> AsyncIterator[AsyncSession]:
    """One session and transaction per request, in the scope the guard decided.

    Public routes get no scope: row-level security then admits no tenant rows,
    and the strict-context hook makes any such read fail loudly in tests.
    """
    access = access_of(request)
    async with state.sessions() as session, session.begin():
        if access is not None:
            await apply_scope(session, access.scope)
        yield session
