"""SMS login codes behind a pluggable gateway.

Citizens log in by phone with a one-time code. The code is stored only as a
keyed hash, lives five minutes, survives at most five wrong guesses and is
deleted when used. Sending goes through an `SmsGateway`; the development
gateway appends each message as a JSON line to a file that tests and
developers read instead of a phone. It writes codes and numbers in the clear,
so it refuses to start outside development and test
(`dependencies.build_identity`); production names a real gateway.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from pathlib import Path
from typing import Protocol

from redis.asyncio import Redis
from redis.exceptions import RedisError

from yiwang.platform.errors import InvalidInput, ServiceUnavailable
from yiwang.platform.i18n import translate
from yiwang.platform.message_log import append_message


class SmsGateway(Protocol):
    """Sends one text message. Implementations wrap a carrier's or a cloud vendor's API."""

    #: False for a gateway that does not deliver (development only)
    real: bool

    async def send(self, phone: str, text: str) -> None: ...


class DevelopmentSmsGateway:
    """Writes messages to a JSON-lines log file instead of sending them."""

    real = False

    def __init__(self, path: Path) -> None:
        self.path = path

    async def send(self, phone: str, text: str) -> None:
        await append_message(self.path, phone=phone, text=text)


class SmsCodes:
    """Issues and checks one-time SMS codes, stored hashed in Redis.

    Like rate limits, codes fail closed: without Redis no code is issued or
    accepted, because a per-process fallback would let a code be used on
    every worker.
    """

    def __init__(
        self,
        client: Redis,
        gateway: SmsGateway,
        secret: bytes,
        *,
        ttl_seconds: int = 300,
        digits: int = 6,
        max_attempts: int = 5,
        prefix: str = "yiwang:sms:",
    ) -> None:
        self._client = client
        self._gateway = gateway
        self._secret = secret
        self.ttl_seconds = ttl_seconds
        self.digits = digits
        self.max_attempts = max_attempts
        self._prefix = prefix

    def _digest(self, purpose: str, phone: str, code: str) -> str:
        msg = f"{purpose}\x00{phone}\x00{code}".encode()
        return hmac.new(self._secret, msg, hashlib.sha256).hexdigest()

    def _keys(self, purpose: str, phone: str) -> tuple[str, str]:
        base = f"{self._prefix}{purpose}:{phone}"
        return base + ":code", base + ":tries"

    async def issue(self, phone: str, *, purpose: str = "login") -> None:
        """Create a fresh code for `phone` (replacing any earlier one) and send it."""
        code = "".join(secrets.choice("0123456789") for _ in range(self.digits))
        code_key, tries_key = self._keys(purpose, phone)
        try:
            async with self._client.pipeline(transaction=True) as pipe:
                pipe.set(code_key, self._digest(purpose, phone, code), ex=self.ttl_seconds)
                pipe.delete(tries_key)
                await pipe.execute()
        except (RedisError, OSError) as exc:
            raise ServiceUnavailable("identity.security_unavailable") from exc
        text = translate(
            "identity.sms_login_text", code=code, minutes=max(1, self.ttl_seconds // 60)
        )
        await self._gateway.send(phone, text)

    async def verify(self, phone: str, code: str, *, purpose: str = "login") -> None:
        """Accept the code once, or raise `InvalidInput("identity.sms_code_invalid")`."""
        code_key, tries_key = self._keys(purpose, phone)
        try:
            async with self._client.pipeline(transaction=True) as pipe:
                pipe.get(code_key)
                pipe.incr(tries_key)
                pipe.expire(tries_key, self.ttl_seconds)
                stored, tries, _ = await pipe.execute()
            if stored is None or int(tries) > self.max_attempts:
                raise InvalidInput("identity.sms_code_invalid", pointer="/code")
            expected = stored.decode() if isinstance(stored, bytes) else str(stored)
            if not hmac.compare_digest(expected, self._digest(purpose, phone, code.strip())):
                raise InvalidInput("identity.sms_code_invalid", pointer="/code")
            # Delete; if another worker deleted it first, this use is the replay.
            deleted = await self._client.delete(code_key)
            if deleted:
                await self._client.delete(tries_key)
        except (RedisError, OSError) as exc:
            raise ServiceUnavailable("identity.security_unavailable") from exc
        if not deleted:
            raise InvalidInput("identity.sms_code_invalid", pointer="/code")
