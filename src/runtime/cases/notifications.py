"""Notification gateways for deadline warnings: SMS and email, pluggable.

A gateway is anything with `async send(to, text)`. The development gateways
append JSON lines to a file and refuse to be built in production, so a
deployment that forgot to configure real ones fails at start-up instead of
silently writing citizens' messages to disk.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from yiwang.platform.errors import ServiceUnavailable


class Gateway(Protocol):
    async def send(self, to: str, text: str) -> None: ...


class FileGateway:
    """Writes each message as a JSON line to `path` (development and tests only)."""

    def __init__(self, kind: str, path: Path, *, production: bool) -> None:
        if production:
            raise ServiceUnavailable("cases.gateway_in_production", kind=kind)
        self.kind = kind
        self.path = path

    async def send(self, to: str, text: str) -> None:
        line = json.dumps(
            {"at": datetime.now().astimezone().isoformat(), "to": to, "text": text},
            ensure_ascii=False,
        )
        await asyncio.to_thread(self._append, line)

    def _append(self, line: str) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as fh:
            fh.write(line + "\n")


def read_messages(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x]


@dataclass(frozen=True)
class Gateways:
    sms: Gateway
    email: Gateway


def development_gateways(directory: Path, *, production: bool) -> Gateways:
    """Gateways writing to `<directory>/sms.log` and `<directory>/email.log`."""
    return Gateways(
        sms=FileGateway("短信", directory / "case-sms.log", production=production),
        email=FileGateway("邮件", directory / "case-email.log", production=production),
    )
