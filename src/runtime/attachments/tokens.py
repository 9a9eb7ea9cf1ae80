"""Signed links for the local backend: its stand-in for S3's signed forms and URLs.

A token is `base64url(claims).base64url(HMAC-SHA256(purpose, claims))`: the
claims say which object and until when, the purpose (`upload`, `download`)
keeps one kind of link from being used as the other. Like S3's, such a link
is a capability: whoever holds it may use it until it expires, and it grants
nothing else. Pure: the key and the clock are passed in.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any, Final

from yiwang.runtime.attachments.errors import TokenInvalid

MAX_TOKEN_LENGTH: Final = 4096


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(key: bytes, purpose: str, payload: str) -> str:
    return _b64(hmac.new(key, f"{purpose}.{payload}".encode(), hashlib.sha256).digest())


def sign(purpose: str, claims: dict[str, Any], *, key: bytes, expires_at: int) -> str:
    payload = _b64(
        json.dumps(
            {**claims, "exp": expires_at}, separators=(",", ":"), ensure_ascii=False
        ).encode()
    )
    return f"{payload}.{_mac(key, purpose, payload)}"


def verify(purpose: str, token: str, *, key: bytes, now: float) -> dict[str, Any]:
    """The claims of a token signed for `purpose` and not expired; `TokenInvalid` otherwise."""
    if len(token) > MAX_TOKEN_LENGTH or token.count(".") != 1:
        raise TokenInvalid("attachments.token_invalid")
    payload, mac = token.split(".")
    if not hmac.compare_digest(mac, _mac(key, purpose, payload)):
        raise TokenInvalid("attachments.token_invalid")
    try:
        claims = json.loads(_unb64(payload))
    except ValueError:
        raise TokenInvalid("attachments.token_invalid") from None
    if not isinstance(claims, dict) or not isinstance(claims.get("exp"), int):
        raise TokenInvalid("attachments.token_invalid")
    if claims["exp"] < now:
        raise TokenInvalid("attachments.token_invalid")
    return claims
