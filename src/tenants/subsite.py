"""Subsite resolution: which tenant a request is for, before routing.

A subsite is reached at `/r/<division code>/...` or at a mapped host: a
configured host of the tenant, or `<slug>.<base domain>`. A host-mapped request
for a portal page is rewritten to the `/r/<code>/` form, so the portal has one
set of routes. Unknown tenants get a Chinese 404 page, suspended or archived
ones a 503 page that says so, and a malformed Host header a 400: never a 500.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import Any, cast

import msgspec
from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from yiwang.platform.error_handlers import wants_html
from yiwang.platform.i18n import negotiate_locale, translate
from yiwang.tenants.directory import TenantDirectory
from yiwang.tenants.models import Status
from yiwang.tenants.tree import TenantNode

STATE_KEY = "subsite_tenant"
SUBSITE_PREFIX = "/r/"
#: paths that are never rewritten on a mapped host: they are not portal pages
NOT_PORTAL = ("/api/", "/console", "/schema", "/healthz", "/readyz", "/static/", "/favicon")

_HOST_RE = re.compile(
    r"^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)*[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.?(?::[0-9]{1,5})?$"
)
_IPV6_HOST_RE = re.compile(r"^\[[0-9A-Fa-f:.]{2,45}\](?::[0-9]{1,5})?$")
# Plain strings: comparing against enum members costs ~0.2 µs each on the hot path.
_HTTP = cast(Any, ScopeType.HTTP.value)
_ACTIVE, _SUSPENDED = Status.ACTIVE.value, Status.SUSPENDED.value


def tenant_of(scope: Scope | dict[str, Any]) -> TenantNode | None:
    """The tenant the resolver attached to this request, if any."""
    state = scope.get("state") or {}
    info = state.get(STATE_KEY)
    return info if isinstance(info, TenantNode) else None


def _header(scope: Scope, name: bytes) -> str | None:
    raw = _raw_header(scope, name)
    return None if raw is None else raw.decode("latin-1")


def _raw_header(scope: Scope, name: bytes) -> bytes | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return value
    return None


@lru_cache(maxsize=4096)
def _parse_host_bytes(raw: bytes | None) -> str | None:
    return parse_host(None if raw is None else raw.decode("latin-1"))


def parse_host(raw: str | None) -> str | None:
    """The lower-case host name without port, or None when the header is malformed."""
    if raw is None or raw == "":
        return ""
    if len(raw) > 260:
        return None
    if _IPV6_HOST_RE.match(raw):
        return raw.rsplit("]", 1)[0] + "]"
    if not _HOST_RE.match(raw):
        return None
    return raw.split(":", 1)[0].rstrip(".").lower()


#: draws an error in the site's layout: (scope, status, error body, the region or None)
ErrorPage = Callable[[Mapping[str, Any], int, Mapping[str, Any], TenantNode | None], str]


class SubsiteResolver:
    """ASGI wrapper around the application. It runs on every request, so the common
    path is a header scan, a cached host parse and one or two dict lookups.

    Its refusals are pages in the site's layout when `error_page` is given and the
    client asks for HTML, and the JSON error otherwise."""

    def __init__(
        self,
        app: ASGIApp,
        directory: TenantDirectory,
        base_domain: str,
        error_page: ErrorPage | None = None,
    ) -> None:
        self.app = app
        self.directory = directory
        self.suffix = "." + base_domain.lower().strip(".")
        self.error_page = error_page

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != _HTTP:
            await self.app(scope, receive, send)
            return
        host = _parse_host_bytes(_raw_header(scope, b"host"))
        if host is None:
            await self._refuse(send, 400, "tenant.host_invalid", scope)
            return
        path: str = scope["path"]
        tree = self.directory.tree  # kept current by the directory's own tasks
        info: TenantNode | None
        if path.startswith(SUBSITE_PREFIX):
            code = path[len(SUBSITE_PREFIX) :].split("/", 1)[0]
            info = tree.by_code.get(code)  # holds only valid codes: no regex needed
            if info is None:
                await self._refuse(send, 404, "tenant.not_found", scope, code=code[:12])
                return
        else:
            info = tree.by_host.get(host)
            if info is None and host.endswith(self.suffix):
                slug = host[: -len(self.suffix)]
                info = tree.by_slug.get(slug)
                if info is None:
                    await self._refuse(send, 404, "tenant.not_found", scope, code=slug[:63])
                    return
            if info is not None and not path.startswith(NOT_PORTAL):
                # Scopes are per request: rewriting in place is safe and cheap.
                new_path = f"{SUBSITE_PREFIX}{info.code}{path}"
                scope["path"] = new_path
                scope["raw_path"] = new_path.encode()
        if info is not None:
            if info.status != _ACTIVE:
                key = "tenant.suspended" if info.status == _SUSPENDED else "tenant.archived"
                await self._refuse(send, 503, key, scope, info, name=info.name)
                return
            scope.setdefault("state", {})[STATE_KEY] = info
        await self.app(scope, receive, send)

    async def _refuse(
        self,
        send: Send,
        status: int,
        code: str,
        scope: Scope,
        tenant: TenantNode | None = None,
        /,
        **params: Any,
    ) -> None:
        locale = negotiate_locale(_header(scope, b"accept-language"))
        error = {"code": code, "message": translate(code, locale, **params)}
        if not wants_html(scope["path"], _header(scope, b"accept") or ""):
            body = msgspec.json.encode({"error": error})
            await _send(send, status, body, b"application/json")
        elif self.error_page is not None and status != 400:
            page = self.error_page(scope, status, error, tenant)
            await _send(send, status, page.encode(), b"text/html; charset=utf-8")
        else:
            await _page(send, status, error["message"])


async def _page(send: Send, status: int, message: str) -> None:
    body = (
        '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{status} · 一网通办</title></head><body><main>"
        f"<h1>{status}</h1><p>{html.escape(message)}</p>"
        '<p><a href="/">返回首页</a></p></main></body></html>'
    ).encode()
    await _send(send, status, body, b"text/html; charset=utf-8")


async def _send(send: Send, status: int, body: bytes, content_type: bytes) -> None:
    start: dict[str, Any] = {
        "type": "http.response.start",
        "status": status,
        "headers": [
            (b"content-type", content_type),
            (b"content-length", str(len(body)).encode()),
            (b"cache-control", b"no-store"),
        ],
    }
    await send(cast(Message, start))
    await send(cast(Message, {"type": "http.response.body", "body": body}))
