"""The signature of a delivery, and its check on the receiving side.

Pure. `X-Yiwang-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`,
keyed with the subscriber's secret: the timestamp is signed with the body, so
a receiver that refuses an old `t` (five minutes, `TOLERANCE`) refuses a
replay; `verify` is the check a receiver runs (the README shows it in ten
lines without this package).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import uuid
from collections.abc import Mapping
from typing import Any, Final

SIGNATURE_HEADER: Final = "X-Yiwang-Signature"
EVENT_HEADER: Final = "X-Yiwang-Event"
DELIVERY_HEADER: Final = "X-Yiwang-Delivery"
#: a receiver refuses a signature older (or further in the future) than this, in seconds
TOLERANCE: Final = 300
SECRET_PREFIX: Final = "whsec_"
#: the namespace of delivery ids: uuid5(namespace, "<subscriber>:<outbox row>")
DELIVERY_NAMESPACE: Final = uuid.UUID("8f0b6c1e-5d2a-4e7b-9a43-2c1f0e6d9b57")


def new_secret() -> str:
    """A fresh signing secret: 32 random bytes, URL-safe, with a prefix that says what it is."""
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def body_of(message: Mapping[str, Any]) -> bytes:
    """The exact bytes sent and signed (compact JSON, UTF-8, keys sorted)."""
    return json.dumps(
        message, ensure_ascii=False, separators=(",", ":"), sort_keys=True, default=str
    ).encode("utf-8")


def signature(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode("utf-8"), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def delivery_id(subscriber_id: uuid.UUID, outbox_id: int) -> str:
    """The same id on every attempt of one row to one subscriber: receivers deduplicate by it."""
    return str(uuid.uuid5(DELIVERY_NAMESPACE, f"{subscriber_id}:{outbox_id}"))


def verify(secret: str, header: str, body: bytes, now: float, tolerance: int = TOLERANCE) -> bool:
    """A receiver's check: the header is well formed, signs `body` with `secret`, and its
    time is within `tolerance` seconds of `now`."""
    fields = dict(part.split("=", 1) for part in header.split(",") if "=" in part)
    try:
        timestamp = int(fields.get("t", ""))
    except ValueError:
        return False
    if abs(now - timestamp) > tolerance:
        return False
    expected = signature(secret, timestamp, body).split(",v1=", 1)[1]
    return hmac.compare_digest(expected, fields.get("v1", ""))
