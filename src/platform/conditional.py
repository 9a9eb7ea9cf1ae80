"""Conditional requests: an `ETag` derived from a version, answered with 304 when it matches.

What a version already determines (a form descriptor, a public page) is built
once per version; a client or proxy that holds that version needs no body at all.
`Prepared` goes one step further for such responses: status line, headers and
body are built once too, and a handler returns it as its ASGI app, so Litestar
neither builds a `Response` nor encodes its headers on every request.
"""

from __future__ import annotations

from typing import Any

from litestar import Request, Response
from litestar.enums import MediaType
from litestar.types import Receive, Scope, Send

REVALIDATE = "public, max-age=0, must-revalidate"


def etag_for(*parts: object) -> str:
    return '"' + "-".join(str(p) for p in parts) + '"'


def matches(request: Request[Any, Any, Any], etag: str) -> bool:
    return _matches(request.scope, etag)


def _matches(scope: Scope, etag: str) -> bool:
    header = _if_none_match(scope)
    if not header:
        return False
    return header.strip() == "*" or etag in (tag.strip() for tag in header.split(","))


def _if_none_match(scope: Scope) -> str | None:
    for name, value in scope["headers"]:
        if name == b"if-none-match":
            return bytes(value).decode("latin-1")
    return None


def not_modified(etag: str) -> Response[bytes]:
    return Response(b"", status_code=304, headers={"etag": etag, "cache-control": REVALIDATE})


def versioned(
    request: Request[Any, Any, Any], etag: str, body: bytes, media_type: str = MediaType.JSON
) -> Response[bytes]:
    """`body` with its ETag, or 304 when the client already holds it."""
    if matches(request, etag):
        return not_modified(etag)
    return Response(
        body, media_type=media_type, headers={"etag": etag, "cache-control": REVALIDATE}
    )


class Prepared:
    """A version's response, ready to send: `answer` gives it, or its 304, as an ASGI app.
    Without an ETag it is a constant (the liveness answer): no validators, never a 304."""

    __slots__ = ("_body", "_headers", "_not_modified", "_status", "etag")

    def __init__(
        self,
        body: bytes,
        etag: str | None,
        media_type: str = MediaType.JSON,
        extra: tuple[tuple[str, str], ...] = (),
        *,
        status: int = 200,
    ) -> None:
        self.etag = etag
        validators = [] if etag is None else [(b"etag", etag.encode("latin-1"))]
        if etag is not None:
            validators.append((b"cache-control", REVALIDATE.encode()))
        validators.extend((k.encode("latin-1"), v.encode("latin-1")) for k, v in extra)
        self._status = status
        self._body = body
        if status == 304:
            self._headers = validators
            self._not_modified: Prepared | None = None
            return
        kind = media_type + ("; charset=utf-8" if media_type.startswith("text/") else "")
        self._headers = [
            (b"content-type", kind.encode("latin-1")),
            (b"content-length", str(len(body)).encode()),
            *validators,
        ]
        self._not_modified = (
            None if etag is None else Prepared(b"", etag, media_type, extra, status=304)
        )

    def answer(self, request: Request[Any, Any, Any]) -> Prepared:
        if self._not_modified is not None and _matches(request.scope, self.etag or ""):
            return self._not_modified
        return self

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # fresh messages each time: a layer that rewrites one must not change the next
        start = {"type": "http.response.start", "status": self._status, "headers": self._headers}
        await send(start)  # type: ignore[arg-type]
        await send({"type": "http.response.body", "body": self._body, "more_body": False})
