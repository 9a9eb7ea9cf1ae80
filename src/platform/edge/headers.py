"""The security headers on every response, and when a response may not be stored.

Every page is built from same-origin files only (scripts and styles are
vendored, none inline), so the CSP can say `'self'` for everything and forbid
framing. HSTS is sent in production only: development runs over plain HTTP on
`*.localhost`, where a pinned HTTPS would lock the developer out.

`no-store` marks a response that may carry personal data, so neither the
browser's cache nor a shared proxy keeps it: any response of a route that
declares `opt={"personal": True}`, of any route the guard protects (no
`public` flag), and of any `/api/` request that carries a session (a cookie or
`Authorization`), which covers public routes like `/api/v1/me` that answer
for the caller.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

CSP: Final = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
PERMISSIONS_POLICY: Final = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "camera",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "payment",
        "usb",
    )
)
HSTS: Final = "max-age=31536000; includeSubDomains"
NO_STORE: Final = "no-store"


def security_headers(*, production: bool) -> list[tuple[bytes, bytes]]:
    headers = [
        ("content-security-policy", CSP),
        ("x-content-type-options", "nosniff"),
        ("x-frame-options", "DENY"),
        ("referrer-policy", "same-origin"),
        ("permissions-policy", PERMISSIONS_POLICY),
        ("cross-origin-opener-policy", "same-origin"),
        ("cross-origin-resource-policy", "same-origin"),
    ]
    if production:
        headers.append(("strict-transport-security", HSTS))
    return [(k.encode(), v.encode()) for k, v in headers]


def must_not_store(path: str, opt: Mapping[str, Any] | None, has_credentials: bool) -> bool:
    if opt is not None and opt.get("personal") is True:
        return True
    if opt is not None and opt.get("public") is not True and opt.get("object") is not None:
        return True
    return path.startswith("/api/") and has_credentials
