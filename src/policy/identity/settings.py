"""Identity settings: encryption keys, providers, password and lockout policy, read
once from the environment.

With nothing set, development keys are derived from a fixed phrase so that
`make run` needs no configuration. They are public, so outside development
and test the keys must be set or the application refuses to start; so must
a real SMS gateway and a real real-name provider.

    YIWANG_FIELD_KEYS     "k1:<base64url 32 bytes>[,k2:...]" (AES-256-GCM key ring)
    YIWANG_FIELD_KEY_ID   the key id new values are encrypted with
    YIWANG_INDEX_KEY      base64url 32 bytes, for blind indexes
    YIWANG_SMS_SECRET     base64url 32 bytes, for hashing SMS codes
    YIWANG_SMS_LOG        where the development SMS gateway writes
    YIWANG_SMS_GATEWAY    "package.module:factory" returning the real SmsGateway
    YIWANG_REALNAME_PROVIDER  "package.module:factory" returning the real RealNameProvider
    YIWANG_LOCKOUT_FAILURES, YIWANG_LOCKOUT_MINUTES   the per-account limit (5, 15)
    YIWANG_PASSWORD_MAX_AGE_DAYS   a password expires after this many days (90; 0: never)
    YIWANG_PASSWORD_HISTORY        a new password may not repeat the last N (5)
    YIWANG_ACTIVATION_HOURS        an activation code works this long (72)
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

#: the environments where development keys and providers may run
DEV_ENVIRONMENTS = ("development", "test")


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
    password_max_age_days: int = 90
    password_history: int = 5
    activation_hours: int = 72
    #: "module:factory" of the production providers; None means the development ones
    sms_gateway: str | None = None
    realname_provider: str | None = None

    @classmethod
    def from_env(cls, settings: Settings) -> IdentitySettings:
        environment = settings.environment
        raw_keys = os.environ.get("YIWANG_FIELD_KEYS", "")
        index_key = os.environ.get("YIWANG_INDEX_KEY", "")
        sms_secret = os.environ.get("YIWANG_SMS_SECRET", "")
        if not (raw_keys and index_key and sms_secret) and environment not in DEV_ENVIRONMENTS:
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
            password_max_age_days=int(os.environ.get("YIWANG_PASSWORD_MAX_AGE_DAYS") or 90),
            password_history=int(os.environ.get("YIWANG_PASSWORD_HISTORY") or 5),
            activation_hours=int(os.environ.get("YIWANG_ACTIVATION_HOURS") or 72),
            sms_gateway=os.environ.get("YIWANG_SMS_GATEWAY") or None,
            realname_provider=os.environ.get("YIWANG_REALNAME_PROVIDER") or None,
        )

    def cipher(self) -> FieldCipher:
        return FieldCipher.from_settings(self.field_keys, self.field_key_id, self.index_key)

    def sms_secret_bytes(self) -> bytes:
        padded = self.sms_secret + "=" * (-len(self.sms_secret) % 4)
        return base64.urlsafe_b64decode(padded.encode())
