"""The HTTP side of a delivery: one POST, its status, or the transport error.

httpx (a dependency of ours, and of Litestar), 5 s for the whole exchange (a
receiver that answers one byte a second is cut off too), no
redirects followed (a redirect could lead past the address check), no proxy
from the environment.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Final, Protocol

import httpx

TIMEOUT: Final = 5.0
USER_AGENT: Final = "Yiwang-Webhooks/1"


class Sender(Protocol):
    async def post(self, url: str, body: bytes, headers: Mapping[str, str]) -> int:
        """POST `body`; the response's status, or an exception when none came."""
        ...


class ClosingSender(Sender, Protocol):
    """A sender that holds connections until it is closed (one per delivery pass)."""

    async def close(self) -> None: ...


class HttpSender:
    """One pooled client for a pass; `close` it at the end."""

    def __init__(self, timeout: float = TIMEOUT) -> None:
        self.timeout = timeout
        self._client = httpx.AsyncClient(
            timeout=httpx.Timeout(timeout), follow_redirects=False, trust_env=False
        )

    async def post(self, url: str, body: bytes, headers: Mapping[str, str]) -> int:
        async with asyncio.timeout(self.timeout):
            response = await self._client.post(
                url,
                content=body,
                headers={
                    "content-type": "application/json; charset=utf-8",
                    "user-agent": USER_AGENT,
                    **headers,
                },
            )
        return response.status_code

    async def close(self) -> None:
        await self._client.aclose()
