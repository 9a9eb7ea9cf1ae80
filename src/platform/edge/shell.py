"""Around the whole application: client address, request id, headers, the CSRF cookie.

Litestar's middleware runs only for requests that matched a route, so what
every response must carry — a 404 and a 405 too — is added here, outside the
router: the security headers, `X-Request-ID`, `no-store` where personal data
may travel (decided from the route the router found, which it records in the
scope), and the `yiwang_csrf` cookie on an HTML page when the browser has none,
and whenever a session has just started or ended.
"""

from __future__ import annotations

import itertools
import re
import secrets
from collections.abc import Mapping
from typing import Any, Final, cast

import structlog
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from yiwang.platform.edge import forwarded
from yiwang.platform.edge.csrf import CSRF_COOKIE, SESSION_COOKIE, new_token
from yiwang.platform.edge.headers import NO_STORE, must_not_store, security_headers
from yiwang.platform.settings import Settings

REQUEST_ID_KEY: Final = "yiwang.request_id"
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
_SESSION_SET = SESSION_COOKIE.encode() + b"="


def request_id_of(scope: Mapping[str, Any]) -> str:
    """The id the shell gave this request (and sent back in `X-Request-ID`)."""
    value = scope.get(REQUEST_ID_KEY)
    return str(value) if value else "-"


def request_cookies(scope: Mapping[str, Any]) -> dict[str, str]:
    cookies: dict[str, str] = {}
    for name, value in scope.get("headers") or ():
        if name.lower() == b"cookie":
            for part in value.decode("latin-1").split(";"):
                key, sep, val = part.strip().partition("=")
                if sep and key and key not in cookies:
                    cookies[key] = val
    return cookies


class EdgeShell:
    """The outermost ASGI layer of the app (`plugin.install_edge` puts it there).

    It runs on every request, 404s included, so it reads the request's headers
    once and decides everything about the response's headers from that pass.
    """

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.proxies = forwarded.TrustedProxies(settings.trusted_proxies)
        self.headers = security_headers(production=settings.production)
        self._names = frozenset(name for name, _ in self.headers)
        self.secure_cookies = settings.environment not in ("development", "test")
        self._id_prefix = secrets.token_hex(4)
        self._ids = itertools.count()

    def _request_id(self, scope: Scope, given: bytes | None) -> str:
        if given is not None and self.proxies:
            client = scope.get("client")
            if client and self.proxies.trusts(str(client[0])):
                text = given.decode("latin-1")
                if _REQUEST_ID.match(text):
                    return text
        # unique, not secret: a random prefix per process and a counter, no system call
        return f"{self._id_prefix}{next(self._ids):08x}"

    def _csrf_cookie(self) -> bytes:
        cookie = f"{CSRF_COOKIE}={new_token()}; Path=/; SameSite=Strict"
        return (cookie + "; Secure" if self.secure_cookies else cookie).encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        raw = cast("dict[str, Any]", scope)
        given = cookie = None
        credentials = False
        for name, value in raw.get("headers") or ():
            name = name.lower()
            if name == b"cookie":
                cookie = value if cookie is None else cookie + b"; " + value
            elif name == b"authorization":
                credentials = True
            elif name == b"x-request-id":
                given = value
        # the peer's own address, before forwarding headers are believed, decides trust
        request_id = self._request_id(scope, given)
        forwarded.resolve(raw, self.proxies)
        raw[REQUEST_ID_KEY] = request_id
        tokens = structlog.contextvars.bind_contextvars(request_id=request_id)
        try:
            if raw["type"] == "http":
                cookies = _cookie_names(cookie)
                credentials = credentials or SESSION_COOKIE in cookies
                # a browser gets its token with the first page it loads; API clients need none
                sender = self._sender(
                    scope, send, request_id, credentials, CSRF_COOKIE not in cookies
                )
                await self.app(scope, receive, sender)
            else:
                await self.app(scope, receive, send)
        finally:
            structlog.contextvars.reset_contextvars(**tokens)

    def _sender(
        self, scope: Scope, send: Send, request_id: str, credentials: bool, wants_csrf: bool
    ) -> Send:
        own, names = self.headers, self._names

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers") or ())
                present: set[bytes] = set()
                session_changed = html = False
                for name, value in headers:
                    name = name.lower()
                    if name == b"set-cookie":
                        session_changed = session_changed or value.startswith(_SESSION_SET)
                    elif name == b"content-type":
                        html = value.startswith(b"text/html")
                    elif name in names:
                        present.add(name)
                headers.extend(
                    h for h in own if h[0] not in present
                ) if present else headers.extend(own)
                headers.append((b"x-request-id", request_id.encode()))
                handler = scope.get("route_handler")
                if must_not_store(scope["path"], getattr(handler, "opt", None), credentials):
                    headers = [h for h in headers if h[0].lower() != b"cache-control"]
                    headers.append((b"cache-control", NO_STORE.encode()))
                if (wants_csrf and html) or session_changed:
                    headers.append((b"set-cookie", self._csrf_cookie()))
                message = {**message, "headers": headers}
            await send(message)

        return send_with_headers


def _cookie_names(header: bytes | None) -> frozenset[str] | tuple[()]:
    """The names of the cookies a request carries (the shell needs only whether two are there)."""
    if header is None:
        return ()
    return frozenset(
        part.strip().partition("=")[0]
        for part in header.decode("latin-1").split(";")
        if "=" in part
    )
