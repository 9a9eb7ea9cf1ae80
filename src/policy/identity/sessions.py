"""Server-side sessions in Redis with idle and absolute timeouts.

等保 2.0 asks for session timeouts; ours are 30 minutes idle for staff and
citizens, 15 minutes for administrators, and 12 hours absolute for everyone.
The browser holds only a random token; Redis holds the session under the
token's SHA-256, so a leaked Redis dump does not yield usable cookies. Logout
deletes the key. Sessions go through the platform cache, which keeps serving
(per process) while Redis is down, as the design asks of sessions.

A session records the account's session version when it starts: the guard
compares it with the account's current one on every request
(`account_versions`), so disabling an account or ending its sessions ends
them everywhere. Whether the person is an administrator (and so gets the
shorter idle timeout) is re-derived from the current policy on each request,
so a role granted or revoked since sign-in counts at once.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, replace

from yiwang.platform.cache import Cache, cache_key

#: the cookie that carries the session token in browsers
SESSION_COOKIE = "yiwang_session"
STAFF_IDLE_SECONDS = 30 * 60
ADMIN_IDLE_SECONDS = 15 * 60
ABSOLUTE_SECONDS = 12 * 3600
#: last_seen is rewritten at most this often, to spare a Redis write per request
TOUCH_INTERVAL_SECONDS = 15


@dataclass(frozen=True)
class Session:
    account_id: int
    kind: str
    admin: bool
    created_at: float
    last_seen: float
    idle_seconds: int
    #: set once the second factor was verified (staff and admins)
    second_factor: bool = False
    #: what the login showed (masked for citizens), for audit records and display
    login: str = ""
    #: staff: home tenant id and department key
    tenant_id: int | None = None
    department: str | None = None
    #: the account's session version at sign-in; a session of an older one is over
    version: int = 0
    #: signed in with an expired password: nothing but changing it is allowed
    password_expired: bool = False
    #: acting for an enterprise (经办人): the agent's own account; `account_id` is the
    #: enterprise's, `login` names both
    agent_id: int | None = None
    #: the agent's own session version when the acting began: disabling the agent, or
    #: ending their sessions, ends their acting too
    agent_version: int = 0


def session_token(headers: Mapping[str, str], cookies: Mapping[str, str]) -> str | None:
    """The caller's session token: `Authorization: Bearer`, else the session cookie."""
    auth = headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        return auth[7:].strip() or None
    return cookies.get(SESSION_COOKIE) or None


@dataclass(frozen=True)
class SessionTimeouts:
    staff_idle: int = STAFF_IDLE_SECONDS
    admin_idle: int = ADMIN_IDLE_SECONDS
    absolute: int = ABSOLUTE_SECONDS


class SessionStore:
    def __init__(
        self,
        cache: Cache,
        timeouts: SessionTimeouts | None = None,
        clock: Callable[[], float] | None = None,
    ) -> None:
        self._cache = cache
        self.timeouts = timeouts or SessionTimeouts()
        self._now = clock or time.time

    @staticmethod
    def _key(token: str) -> str:
        return cache_key("session", hashlib.sha256(token.encode()).hexdigest())

    def _ttl(self, session: Session, now: float) -> float:
        remaining_absolute = session.created_at + self.timeouts.absolute - now
        return max(1.0, min(float(session.idle_seconds), remaining_absolute))

    async def _write(self, token: str, session: Session, now: float) -> None:
        data = json.dumps(asdict(session)).encode()
        await self._cache.set(self._key(token), data, ttl=self._ttl(session, now))

    async def create(
        self,
        account_id: int,
        kind: str,
        *,
        admin: bool,
        second_factor: bool = False,
        login: str = "",
        tenant_id: int | None = None,
        department: str | None = None,
        version: int = 0,
        password_expired: bool = False,
        agent_id: int | None = None,
        agent_version: int = 0,
    ) -> tuple[str, Session]:
        """Start a session; returns the token for the cookie and the session."""
        now = self._now()
        token = secrets.token_urlsafe(32)
        session = Session(
            account_id=account_id,
            kind=kind,
            admin=admin,
            created_at=now,
            last_seen=now,
            idle_seconds=self._idle_for(admin),
            second_factor=second_factor,
            login=login,
            tenant_id=tenant_id,
            department=department,
            version=version,
            password_expired=password_expired,
            agent_id=agent_id,
            agent_version=agent_version,
        )
        await self._write(token, session, now)
        return token, session

    def _idle_for(self, admin: bool) -> int:
        return self.timeouts.admin_idle if admin else self.timeouts.staff_idle

    async def get(
        self, token: str, *, admin_now: Callable[[int], bool] | None = None
    ) -> Session | None:
        """The live session for `token`, its idle clock restarted; None when expired or unknown.

        `admin_now(account_id)` says whether the account is an administrator under
        the current policy; the idle timeout follows it rather than the sign-in's.
        """
        return await self._live(token, await self._cache.get(self._key(token)), admin_now)

    async def get_with_version(
        self,
        token: str,
        version_prefix: str,
        *,
        admin_now: Callable[[int], bool] | None = None,
    ) -> tuple[Session | None, int | None]:
        """`get`, and the account's session version where Redis holds it
        (`AccountVersions.prefix`), in the same round trip; None when it is not there."""
        raw, version = await self._cache.get_with_named(
            self._key(token), "account_id", version_prefix
        )
        session = await self._live(token, raw, admin_now)
        if session is None or version is None:
            return session, None
        return session, int(version)

    async def _live(
        self, token: str, raw: bytes | None, admin_now: Callable[[int], bool] | None
    ) -> Session | None:
        if raw is None:
            return None
        try:
            session = Session(**json.loads(raw))
        except (TypeError, ValueError):  # written by another release: start again
            await self.delete(token)
            return None
        now = self._now()
        rewrite = False
        if admin_now is not None:
            admin = admin_now(session.account_id)
            if admin != session.admin:
                session = replace(session, admin=admin, idle_seconds=self._idle_for(admin))
                rewrite = True
        if (
            now - session.created_at >= self.timeouts.absolute
            or now - session.last_seen >= session.idle_seconds
        ):
            await self.delete(token)
            return None
        if rewrite or now - session.last_seen >= TOUCH_INTERVAL_SECONDS:
            session = replace(session, last_seen=now)
            await self._write(token, session, now)
        return session

    async def delete(self, token: str) -> None:
        """Logout: the key is removed."""
        await self._cache.delete(self._key(token))
