"""Conditional requests: an `ETag` derived from a version, answered with 304 when it matches.

What a version already determines (a form descriptor, a public page) is built
once per version; a client or proxy that holds that version needs no body at all.
"""

from __future__ import annotations

from typing import Any

from litestar import Request, Response
from litestar.enums import MediaType

REVALIDATE = "public, max-age=0, must-revalidate"


def etag_for(*parts: object) -> str:
    return '"' + "-".join(str(p) for p in parts) + '"'


def matches(request: Request[Any, Any, Any], etag: str) -> bool:
    header = request.headers.get("if-none-match")
    if not header:
        return False
    return header.strip() == "*" or etag in (tag.strip() for tag in header.split(","))


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
