"""Identity settings: encryption keys, SMS, lockout, read once from the environment.

With nothing set, development keys are derived from a fixed phrase so that
`make run` needs no configuration. They are public, so outside development
and test the keys must be set or the application refuses to start.

    YIWANG_FIELD_KEYS     "k1:<base64url 32 bytes>[,k2:...]" (AES-256-GCM key ring)
    YIWANG_FIELD_KEY_ID   the key id new values are encrypted with
    YIWANG_INDEX_KEY      base64url 32 bytes, for blind indexes
    YIWANG_SMS_SECRET     base64url 32 bytes, for hashing SMS codes
    YIWANG_SMS_LOG        where the development SMS gateway writes
    YIWANG_LOCKOUT_FAILURES, YIWANG_LOCKOUT_MINUTES
"""

from __future__ import annotations

import base64
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from yiwang.platform.errors import InvalidInput
from yiwang.platform.settings import Settings
from yiwang.policy.identity.crypto import FieldCipher

_DEV_ENVIRONMENTS = ("development", "test")


def _dev_key(purpose: str) -> str:
    digest = hashlib.sha256(f"yiwang development key: {purpose}".encode()).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


@dataclass(frozen=True)
class IdentitySettings:
    field_keys: dict[str, str]
    field_key_id: str
    index_key: str
    sms_secret: str
    sms_log: Path
    lockout_failures: int = 5
    lockout_minutes: int = 15

    @classmethod
    def from_env(cls, settings: Settings) -> IdentitySettings:
        environment = settings.environment
        raw_keys = os.environ.get("YIWANG_FIELD_KEYS", "")
        index_key = os.environ.get("YIWANG_INDEX_KEY", "")
        sms_secret = os.environ.get("YIWANG_SMS_SECRET", "")
        if not (raw_keys and index_key and sms_secret) and environment not in _DEV_ENVIRONMENTS:
            raise InvalidInput(
                "identity.field_key_invalid",
                detail="YIWANG_FIELD_KEYS, YIWANG_INDEX_KEY and YIWANG_SMS_SECRET are required",
            )
        keys = dict(item.split(":", 1) for item in raw_keys.split(",") if ":" in item) or {
            "dev": _dev_key("field")
        }
        return cls(
            field_keys=keys,
            field_key_id=os.environ.get("YIWANG_FIELD_KEY_ID") or next(iter(keys)),
            index_key=index_key or _dev_key("index"),
            sms_secret=sms_secret or _dev_key("sms"),
            sms_log=Path(os.environ.get("YIWANG_SMS_LOG") or settings.var_dir / "sms.log"),
            lockout_failures=int(os.environ.get("YIWANG_LOCKOUT_FAILURES") or 5),
            lockout_minutes=int(os.environ.get("YIWANG_LOCKOUT_MINUTES") or 15),
        )

    def cipher(self) -> FieldCipher:
        return FieldCipher.from_settings(self.field_keys, self.field_key_id, self.index_key)

    def sms_secret_bytes(self) -> bytes:
        padded = self.sms_secret + "=" * (-len(self.sms_secret) % 4)
        return base64.urlsafe_b64decode(padded.encode())
