"""Cross-site request forgery: an Origin check and a double-submit token.

SameSite=Lax keeps the session cookie off cross-site POSTs, but every subsite
(`<slug>.<base domain>`) is the same *site* as the API, so a page on one
subsite could still drive the API with a visitor's cookie. Two checks close
that, on every state-changing request (POST, PUT, PATCH, DELETE):

1. **Origin**: when the browser names the page that sent the request (`Origin`,
   or failing that `Referer`), it must be exactly the request's own origin
   (scheme, host and port) or one configured in `YIWANG_TRUSTED_ORIGINS`.
   Origins are compared whole, never by site, so a sibling subsite is foreign.
2. **Token**: a request carrying the session cookie must also carry the value
   of the `yiwang_csrf` cookie in the `X-CSRF-Token` header (or, on a route
   that declares it takes forms, in the form field `_csrf`). Another origin
   can neither read the cookie nor set the header without a CORS preflight,
   which this platform never grants.

A request authenticated by `Authorization: Bearer` is not forgeable this way
(a browser never adds that header on its own) and the guard then ignores the
cookie, so it passes both checks. The token is random per browser, issued on
the first response that finds none and renewed whenever a session starts or
ends (`shell`).
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Collection
from typing import Final
from urllib.parse import urlsplit

from yiwang.platform.errors import PermissionDenied

CSRF_COOKIE: Final = "yiwang_csrf"
CSRF_HEADER: Final = "x-csrf-token"
CSRF_FIELD: Final = "_csrf"
#: the session cookie (its name is the identity part's; repeated here, the kernel imports nothing)
SESSION_COOKIE: Final = "yiwang_session"
UNSAFE_METHODS: Final = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def new_token() -> str:
    return secrets.token_urlsafe(32)


def origin_of(url: str) -> str | None:
    """`scheme://host[:port]` of a URL (lower case), or None if it has none."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if not parts.scheme or not parts.netloc:
        return None
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}"


def has_bearer(authorization: str | None) -> bool:
    return bool(authorization) and authorization.lower().startswith("bearer ")  # type: ignore[union-attr]


def check_origin(
    *, origin: str | None, referer: str | None, own: str | None, trusted: Collection[str]
) -> None:
    """Refuse a request whose sending page is known and is not ours."""
    sender = origin if origin is not None else (origin_of(referer) if referer else None)
    if sender is None:
        return
    # "null" (sandboxed frames, some redirects) is no origin of ours either
    sender = sender.strip().lower()
    if sender != own and sender not in trusted:
        raise PermissionDenied("edge.csrf_origin", origin=sender[:200])


def check_token(*, cookie: str | None, sent: str | None) -> None:
    """The double-submit comparison, in constant time."""
    if not cookie or not sent or not hmac.compare_digest(cookie.encode(), sent.encode()):
        raise PermissionDenied("edge.csrf_token")
