"""Notification gateways for deadline warnings: SMS and email, pluggable.

A gateway is anything with `async send(to, text)`. The development gateways
append JSON lines to a file and refuse to be built in production, so a
deployment that forgot to configure real ones fails at start-up instead of
silently writing citizens' messages to disk.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from yiwang.platform.errors import ServiceUnavailable
from yiwang.platform.message_log import append_message


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
        await append_message(self.path, to=to, text=text)


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
