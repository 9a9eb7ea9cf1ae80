"""The checks a request passes after routing and before its handler (and its guard) runs.

In order: no control character in the path or query; then, for a
state-changing method, the CSRF Origin check, the media type of the body, the
CSRF token, and the strict JSON check of a JSON body. Each refusal raises a
kernel error, rendered like any other by `error_handlers`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Final
from urllib.parse import unquote_to_bytes

from litestar.connection import Request
from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Receive, Scope, Send

from yiwang.platform.edge import csrf, media_types
from yiwang.platform.edge.json_body import check_json
from yiwang.platform.edge.shell import request_cookies
from yiwang.platform.errors import InvalidInput, UnsupportedMediaType
from yiwang.platform.settings import Settings
from yiwang.platform.text import codepoint

_URL_CONTROL: Final = re.compile(r"[\x00-\x1f\x7f]")


def check_url(path: str, query_string: bytes) -> None:
    """A control character in the path or query reaches the database as text: refuse it."""
    found = _URL_CONTROL.search(path)
    if found is not None:
        raise InvalidInput("request.control_character", pointer="/path", char=codepoint(found[0]))
    if query_string:
        decoded = unquote_to_bytes(query_string.replace(b"+", b" ")).decode("latin-1")
        found = _URL_CONTROL.search(decoded)
        if found is not None:
            raise InvalidInput(
                "request.control_character", pointer="/query", char=codepoint(found[0])
            )


def _own_origin(scope: Scope, headers: Mapping[str, str]) -> str | None:
    host = headers.get("host")
    return f"{scope.get('scheme', 'http')}://{host.strip().lower()}" if host else None


def _has_body(headers: Mapping[str, str]) -> bool:
    length = headers.get("content-length")
    if length is not None:
        return length.strip() not in ("", "0")
    return "transfer-encoding" in headers


class RequestChecks(ASGIMiddleware):
    scopes = (ScopeType.HTTP,)

    def __init__(self, settings: Settings) -> None:
        self.trusted_origins = frozenset(
            o.strip().lower().rstrip("/") for o in settings.trusted_origins
        )
        self.max_json_bytes = settings.max_json_bytes

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        check_url(scope.get("path", ""), scope.get("query_string", b""))
        if scope.get("method") in csrf.UNSAFE_METHODS:
            await self._check_change(Request(scope, receive))
        await next_app(scope, receive, send)

    async def _check_change(self, request: Request[Any, Any, Any]) -> None:
        headers = request.headers
        opt = request.route_handler.opt or {}
        bearer = csrf.has_bearer(headers.get("authorization"))
        if not bearer:
            csrf.check_origin(
                origin=headers.get("origin"),
                referer=headers.get("referer"),
                own=_own_origin(request.scope, headers),
                trusted=self.trusted_origins,
            )
        media = media_types.media_type(headers.get("content-type"))
        if _has_body(headers):
            accepted = media_types.accepted(opt)
            if media not in accepted:
                raise UnsupportedMediaType(
                    "edge.media_type", media_type=media or "-", accepted="、".join(accepted)
                )
        cookies = request_cookies(request.scope)
        if not bearer and csrf.SESSION_COOKIE in cookies:
            sent = headers.get(csrf.CSRF_HEADER)
            if sent is None and media_types.takes_forms(opt) and media in media_types.FORM_TYPES:
                field = (await request.form()).get(csrf.CSRF_FIELD)
                sent = field if isinstance(field, str) else None
            csrf.check_token(cookie=cookies.get(csrf.CSRF_COOKIE), sent=sent)
        if _has_body(headers) and media_types.is_json(media):
            check_json(await request.body(), max_bytes=self.max_json_bytes)
