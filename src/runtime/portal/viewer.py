"""Who is looking at a subsite page: the signed-in person the header names, or nobody.

Public pages have no guard to verify the session, so this reads it itself:
the session the guard left in the request state when there is one, else the
session cookie looked up in the store and checked against the account's
current session version (a session ended elsewhere shows as signed out). The
header shows only what the session holds: the login as sign-in masked it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from litestar.connection import ASGIConnection

from yiwang.platform.edge.csrf import CSRF_COOKIE
from yiwang.platform.request_state import request_state
from yiwang.policy.identity.dependencies import SESSION_STATE_KEY, IdentityServices
from yiwang.policy.identity.sessions import SESSION_COOKIE, Session
from yiwang.tenants.directory import TenantDirectory


@dataclass(frozen=True)
class Viewer:
    account_id: int
    kind: str
    #: the login as the session shows it (a citizen's phone number masked)
    name: str
    #: the browser's CSRF token, for the header's sign-out form
    csrf: str


def viewer_from(session: Session, cookies: Mapping[str, str]) -> Viewer:
    """The person a verified session names, with the browser's CSRF token."""
    return Viewer(
        account_id=session.account_id,
        kind=session.kind,
        name=session.login,
        csrf=cookies.get(CSRF_COOKIE, ""),
    )


def guarded_viewer(request: ASGIConnection[Any, Any, Any, Any]) -> Viewer | None:
    """The person whose session the guard verified for this request, or None."""
    session = request_state(request).get(SESSION_STATE_KEY)
    return viewer_from(session, request.cookies) if isinstance(session, Session) else None


async def viewer_of(
    request: ASGIConnection[Any, Any, Any, Any], identity: IdentityServices
) -> Viewer | None:
    """The signed-in person of this request, or None (no cookie, expired, ended)."""
    guarded = guarded_viewer(request)
    if guarded is not None:
        return guarded
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    versions = identity.versions
    session, version = await identity.session_store.get_with_version(token, versions.prefix)
    if session is None:
        return None
    if not await versions.honours(session, version):
        return None
    return viewer_from(session, request.cookies)


@dataclass(frozen=True)
class PublicSite:
    """The process's parts a visitor's page reads, as one dependency: two would make
    Litestar resolve them in a task group, which costs more than the page served from
    memory."""

    directory: TenantDirectory
    identity: IdentityServices

    async def viewer(self, request: ASGIConnection[Any, Any, Any, Any]) -> Viewer | None:
        return await viewer_of(request, self.identity)
