"""The guard on every route, and the database scope it hands to the handler.

Each route handler declares `opt={"object": ..., "action": ...}`,
`opt={"authenticated": True}` (any signed-in person, for their own things) or
`opt={"public": True}`; a route with none is refused (fail closed), and a test
walks the route table so none ships that way. For a protected route the guard:

1. finds the session (cookie `yiwang_session` or `Authorization: Bearer`),
   insists on a verified second factor for staff, and on the account's
   current session version (one Redis GET; PostgreSQL when Redis is down):
   a disabled or reset account, or one whose sessions were ended, is signed
   out on its next request on every worker. Whether the person is an
   administrator (their idle timeout) follows the current policy. A session
   signed in with an expired password reaches only the routes that change it;
2. finds the target tenant from the route's `{code}` path parameter or the
   subsite resolver, never from a header, query or body, so a forged tenant id
   in those is simply ignored;
3. asks Casbin (through the worker's cached `PolicyHolder`);
4. refuses, once for every route, a change to the work of a suspended or
   archived tenant (`tenant.read_only`, 409): any method but GET, HEAD and
   OPTIONS on any object but the tenant's own administration (`tenant`:
   its lifecycle; `role` and `user`: grants, revocations, disabling accounts,
   which an incident may need). Reads go on: staff keep reading a suspended
   tenant's data; the public subsite answers 503 (`tenants.subsite`);
5. builds the `TenantScope` row-level security will use: the target alone, or
   on `/subtree/` routes every tenant below it where the same decision holds,
   so the two walls agree. A subtree scope is computed once per policy and
   tree version and then reused, so no request walks the province.

A subject with no role at all at the target gets 404, not 403, so that a user
of one region cannot even learn what exists in another.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from litestar.connection import ASGIConnection, Request
from litestar.handlers.base import BaseRouteHandler
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from yiwang.platform.errors import NotAuthenticated, NotFound, PermissionDenied
from yiwang.platform.request_state import request_state
from yiwang.platform.tenant_context import TenantScope
from yiwang.platform.unit_of_work import ANONYMOUS, UnitOfWork, person, unit_of_work
from yiwang.policy.catalogue import RoleCatalogue
from yiwang.policy.denials import Denial, DenialLog
from yiwang.policy.enforcer import Decision, user_subject
from yiwang.policy.holder import PolicyHolder
from yiwang.policy.identity.account_versions import AccountVersions
from yiwang.policy.identity.dependencies import SESSION_STATE_KEY, TOKEN_STATE_KEY
from yiwang.policy.identity.sessions import Session, SessionStore, session_token
from yiwang.tenants.directory import TenantDirectory
from yiwang.tenants.errors import TenantReadOnly
from yiwang.tenants.lifecycle import STATUS_NAMES
from yiwang.tenants.subsite import tenant_of
from yiwang.tenants.tree import TenantNode, TenantTree

ACCESS_STATE_KEY = "access"
SUBTREE_SEGMENT = "/subtree/"
_SCOPE_CACHE_SIZE = 4096
#: methods that change nothing: allowed on a suspended or archived tenant
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
#: a tenant's own administration goes on while it is suspended or archived
ADMINISTRATION_OBJECTS = frozenset({"tenant", "role", "user"})


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
    tenant: TenantNode
    object: str
    action: str
    decision: Decision
    scope: TenantScope
    #: every role granting this access is department-scoped: show only `department`'s work
    department_only: bool
    #: the policy the guard decided with, for what else the page offers (its menu)
    holder: PolicyHolder = field(compare=False, repr=False, kw_only=True)

    def may(self, obj: str, action: str, path: str | None = None) -> bool:
        """Whether the caller may do `action` on `obj` at tenant `path` (default: the
        target), by the same policy the guard decided with."""
        dom = path or self.tenant.path
        return self.holder.decide(self.principal.subject, dom, obj, action).allowed


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


def is_automatic_options(handler: BaseRouteHandler) -> bool:
    """Litestar's generated OPTIONS handler: it only lists the allowed methods."""
    return (
        not handler.opt
        and getattr(handler, "http_methods", None) == {"OPTIONS"}
        and getattr(getattr(handler, "fn", None), "__name__", "") == "options_handler"
    )


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


class PolicyHolderSource(Protocol):
    """What hands out the worker's current `PolicyHolder` (the policy sync)."""

    @property
    def holder(self) -> PolicyHolder: ...


class PolicyGuard:
    """The guard on every route (a callable Litestar guard holding what it reads)."""

    def __init__(
        self,
        *,
        catalogue: RoleCatalogue,
        holder: PolicyHolderSource,
        sessions: SessionStore,
        versions: AccountVersions,
        directory: TenantDirectory,
        denials: DenialLog | None = None,
    ) -> None:
        self.catalogue = catalogue
        self.denials = denials
        self._holder = holder
        self.sessions = sessions
        self.versions = versions
        self.directory = directory
        self._scopes: OrderedDict[tuple[Any, ...], TenantScope] = OrderedDict()

    async def __call__(
        self, connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler
    ) -> None:
        opt = handler.opt or {}
        if opt.get("public") is True or is_automatic_options(handler):
            return
        if opt.get("authenticated") is True:
            await self._session(connection, opt)
            return
        obj, action = opt.get("object"), opt.get("action")
        if not isinstance(obj, str) or not isinstance(action, str):
            raise PermissionDenied("policy.route_undeclared", path=connection.url.path)
        session = await self._session(connection, opt)
        holder = self._holder.holder
        principal = principal_of(session, self.catalogue)
        tree = self.directory.tree
        tenant = self._target(connection, tree, principal)
        decision = holder.decide(principal.subject, tenant.path, obj, action)
        if not decision.allowed:
            hidden = principal.kind == "staff" and not holder.engine.grants_reaching(
                principal.subject, tenant.path
            )
            refusal = NotFound("not_found") if hidden else PermissionDenied("auth.forbidden")
            await self._record(connection, principal, tenant, obj, action, refusal)
            raise refusal
        if (
            tenant.status != "active"
            and connection.scope.get("method", "GET") not in SAFE_METHODS
            and obj not in ADMINISTRATION_OBJECTS
        ):
            raise TenantReadOnly(
                "tenant.read_only", name=tenant.name, status=STATUS_NAMES.get(tenant.status, "")
            )
        subtree = SUBTREE_SEGMENT in connection.url.path
        request_state(connection)[ACCESS_STATE_KEY] = Access(
            principal=principal,
            tenant=tenant,
            object=obj,
            action=action,
            decision=decision,
            scope=self._scope(holder, tree, principal, tenant, obj, action, subtree),
            department_only=_department_only(
                holder, self.catalogue, principal, tenant.path, obj, action
            ),
            holder=holder,
        )
        connection.scope["user"] = principal

    async def _record(
        self,
        connection: ASGIConnection[Any, Any, Any, Any],
        principal: Principal,
        tenant: TenantNode,
        obj: str,
        action: str,
        refusal: NotFound | PermissionDenied,
    ) -> None:
        """Count the refusal for the audit trail (one record per account, route and minute)."""
        if self.denials is None:
            return
        await self.denials.refused(
            Denial(
                actor=person(principal.login),
                account_id=principal.account_id,
                tenant_id=tenant.id,
                method=str(connection.scope.get("method", "GET")),
                route=str(connection.scope.get("path_template") or "?"),
                object=obj,
                action=action,
                code=refusal.code,
                status=refusal.status,
            )
        )

    def _admin_now(self, account_id: int) -> bool:
        roles = self.catalogue.roles
        return any(
            g.role in roles and roles[g.role].admin
            for g in self._holder.holder.engine.grants_of(user_subject(account_id))
        )

    async def _session(
        self, connection: ASGIConnection[Any, Any, Any, Any], opt: dict[str, Any]
    ) -> Session:
        token = session_token(connection.headers, connection.cookies)
        session, version = (
            await self.sessions.get_with_version(
                token, self.versions.prefix, admin_now=self._admin_now
            )
            if token
            else (None, None)
        )
        if session is None or token is None:
            raise NotAuthenticated("auth.required")
        if session.kind == "staff" and not session.second_factor:
            raise NotAuthenticated("identity.second_factor_required")
        if not await self.versions.honours(session, version):
            await self.sessions.delete(token)
            raise NotAuthenticated("identity.session_ended")
        if session.password_expired and opt.get("password_change") is not True:
            raise PermissionDenied("identity.password_expired")
        request_state(connection)[SESSION_STATE_KEY] = session
        request_state(connection)[TOKEN_STATE_KEY] = token
        return session

    @staticmethod
    def _target(
        connection: ASGIConnection[Any, Any, Any, Any], tree: TenantTree, principal: Principal
    ) -> TenantNode:
        """The tenant of the `{code}` path parameter, the subsite, or the caller's home."""
        code = connection.path_params.get("code")
        if code is not None:
            found = tree.get(str(code))
            if found is None:
                raise NotFound("tenant.not_found", code=str(code)[:12])
            return found
        info = tenant_of(connection.scope)
        if info is not None:
            return info
        if principal.home_tenant_id is not None and principal.home_tenant_id in tree.by_id:
            return tree.by_id[principal.home_tenant_id]
        if len(tree.roots) != 1:
            raise NotFound("not_found")
        return tree.roots[0]

    def _scope(
        self,
        holder: PolicyHolder,
        tree: TenantTree,
        principal: Principal,
        tenant: TenantNode,
        obj: str,
        action: str,
        subtree: bool,
    ) -> TenantScope:
        if not subtree:
            return TenantScope.single(tenant.id)
        key = (holder.version, id(tree), principal.subject, tenant.code, obj, action)
        found = self._scopes.get(key)
        if found is not None:
            self._scopes.move_to_end(key)
            return found
        below = [
            n.id
            for n in tree.descendants(tenant.code)
            if holder.allowed(principal.subject, n.path, obj, action)
        ]
        scope = TenantScope.subtree(tenant.id, sorted(below))
        self._scopes[key] = scope
        if len(self._scopes) > _SCOPE_CACHE_SIZE:
            self._scopes.popitem(last=False)
        return scope


class PolicyHook:
    """Runs the guard on every matched route, after the edge's checks, before the handler.

    The app's `before_request` hook calls it (`EdgePlugin(settings, then=...)`).
    Not a Litestar guard: Litestar copies the route handler for every guard call,
    a sixth of a small request's work. Not middleware: a route with middleware
    gets one more exception layer and one more wrapped `send`. The hook runs
    before the handler's dependencies are resolved, so the unit of work opens in
    the scope the guard decided. It runs after Litestar's response-cache lookup,
    where a cached answer would skip the guard (and a revoked role would go on
    reading for the cache's lifetime), so no handler may set `cache=` (the
    route-table test holds this): what a version determines is kept in memory by
    the handler, per version, and revalidated by its ETag (`platform.conditional`).
    """

    def __init__(self, guard: PolicyGuard) -> None:
        self.guard = guard

    async def __call__(self, request: Request[Any, Any, Any]) -> None:
        await self.guard(request, request.route_handler)


def access_of(connection: ASGIConnection[Any, Any, Any, Any]) -> Access | None:
    found = request_state(connection).get(ACCESS_STATE_KEY)
    return found if isinstance(found, Access) else None


def provide_home_tenant_id(request: ASGIConnection[Any, Any, Any, Any]) -> int | None:
    """The signed-in caller's own tenant (what `Lifecycle` will not take out of service),
    None on a route no guard decided for a person."""
    found = access_of(request)
    return found.principal.home_tenant_id if found is not None else None


def provide_access(request: ASGIConnection[Any, Any, Any, Any]) -> Access:
    """The guard's decision, for handlers of object/action routes."""
    found = access_of(request)
    if found is None:
        raise PermissionDenied("auth.forbidden")
    return found


def actor_of(connection: ASGIConnection[Any, Any, Any, Any]) -> str:
    """The audit actor of a request: the signed-in person's login, or `anonymous`."""
    session = request_state(connection).get(SESSION_STATE_KEY)
    return person(session.login) if isinstance(session, Session) else ANONYMOUS


def unit_of_work_provider(
    factory: async_sessionmaker[AsyncSession],
) -> Callable[[ASGIConnection[Any, Any, Any, Any]], AsyncIterator[UnitOfWork]]:
    """The request's one unit of work, in the scope the guard decided (none on public routes:
    row-level security then admits no tenant rows until a service names one)."""

    async def provide_unit_of_work(
        request: ASGIConnection[Any, Any, Any, Any],
    ) -> AsyncIterator[UnitOfWork]:
        access = access_of(request)
        session = request_state(request).get(SESSION_STATE_KEY)
        async with unit_of_work(
            factory,
            actor=actor_of(request),
            scope=access.scope if access else None,
            account_id=session.account_id if isinstance(session, Session) else None,
        ) as uow:
            yield uow

    return provide_unit_of_work
