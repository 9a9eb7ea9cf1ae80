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
from typing import Any, cast

from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from yiwang.platform.i18n import negotiate_locale, translate
from yiwang.tenants.directory import TenantDirectory, TenantInfo
from yiwang.tenants.models import Status

STATE_KEY = "subsite_tenant"
SUBSITE_PREFIX = "/r/"
#: paths that are never rewritten on a mapped host: they are not portal pages
NOT_PORTAL = ("/api/", "/console", "/schema", "/healthz", "/readyz", "/static/", "/favicon")

_HOST_RE = re.compile(
    r"^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)*[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.?(?::[0-9]{1,5})?$"
)
_IPV6_HOST_RE = re.compile(r"^\[[0-9A-Fa-f:.]{2,45}\](?::[0-9]{1,5})?$")
_CODE_RE = re.compile(r"^[0-9]{6}$")


def tenant_of(scope: Scope | dict[str, Any]) -> TenantInfo | None:
    """The tenant the resolver attached to this request, if any."""
    state = scope.get("state") or {}
    info = state.get(STATE_KEY)
    return info if isinstance(info, TenantInfo) else None


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return value.decode("latin-1")
    return None


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


class SubsiteResolver:
    """ASGI wrapper around the application."""

    def __init__(self, app: ASGIApp, directory: TenantDirectory, base_domain: str) -> None:
        self.app = app
        self.directory = directory
        self.suffix = "." + base_domain.lower().strip(".")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await self.app(scope, receive, send)
            return
        locale = negotiate_locale(_header(scope, b"accept-language"))
        host = parse_host(_header(scope, b"host"))
        if host is None:
            await _page(send, 400, translate("tenant.host_invalid", locale))
            return
        await self.directory.refresh_if_stale()
        path: str = scope["path"]
        info: TenantInfo | None = None
        if path.startswith(SUBSITE_PREFIX):
            code = path[len(SUBSITE_PREFIX) :].split("/", 1)[0]
            info = self.directory.by_code.get(code) if _CODE_RE.match(code) else None
            if info is None:
                await _page(send, 404, translate("tenant.not_found", locale, code=code[:12]))
                return
        else:
            info = self._by_host(host)
            if info is None and host.endswith(self.suffix):
                slug = host[: -len(self.suffix)]
                await _page(send, 404, translate("tenant.not_found", locale, code=slug[:63]))
                return
            if info is not None and not path.startswith(NOT_PORTAL):
                new_path = f"{SUBSITE_PREFIX}{info.code}{path if path != '/' else '/'}"
                scope = cast(Scope, {**scope, "path": new_path, "raw_path": new_path.encode()})
        if info is not None:
            if info.status != Status.ACTIVE:
                key = "tenant.suspended" if info.status == Status.SUSPENDED else "tenant.archived"
                await _page(send, 503, translate(key, locale, name=info.name))
                return
            state = {**(scope.get("state") or {}), STATE_KEY: info}
            scope = cast(Scope, {**scope, "state": state})
        await self.app(scope, receive, send)

    def _by_host(self, host: str) -> TenantInfo | None:
        info = self.directory.by_host.get(host)
        if info is None and host.endswith(self.suffix):
            info = self.directory.by_slug.get(host[: -len(self.suffix)])
        return info


async def _page(send: Send, status: int, message: str) -> None:
    body = (
        '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{status} · 一网通办</title></head><body><main>"
        f"<h1>{status}</h1><p>{html.escape(message)}</p>"
        '<p><a href="/">返回首页</a></p></main></body></html>'
    ).encode()
    start: dict[str, Any] = {
        "type": "http.response.start",
        "status": status,
        "headers": [
            (b"content-type", b"text/html; charset=utf-8"),
            (b"content-length", str(len(body)).encode()),
            (b"cache-control", b"no-store"),
        ],
    }
    await send(cast(Message, start))
    await send(cast(Message, {"type": "http.response.body", "body": body}))
