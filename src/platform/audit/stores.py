"""Where checkpoints go, chosen by the operator (`YIWANG_AUDIT_CHECKPOINTS`).

- `file`: one JSON line per checkpoint appended to a file (never rewritten);
  put it on a disk the database host cannot write, or ship it off the host.
- `storage`: the kernel's object storage; every checkpoint is its own object
  under `audit/checkpoints/` (kept, so they form the archive) and `latest.json`
  names the newest. With S3 Object Lock (compliance mode) on that prefix not
  even the storage account can remove them.
- `syslog`: one line per checkpoint to a syslog daemon (a unix socket or
  host:port over UDP), for a log collector the database host cannot reach.
  Syslog is write-only: `yiwang audit verify --checkpoint` takes a line back
  from the collector.
"""

from __future__ import annotations

import asyncio
import os
import socket
from logging.handlers import SysLogHandler
from pathlib import Path
from typing import Final, Protocol

from yiwang.platform.audit.checkpoints import Checkpoint
from yiwang.platform.errors import InvalidInput, NotFound, ServiceUnavailable
from yiwang.platform.settings import Settings
from yiwang.platform.storage import ObjectStorage

PREFIX: Final = "audit/checkpoints"
SYSLOG_TAG: Final = "yiwang-audit-checkpoint: "


class CheckpointStore(Protocol):
    name: str

    async def write(self, checkpoint: Checkpoint) -> None: ...

    async def latest(self) -> Checkpoint | None:
        """The newest checkpoint, or None if there is none or the store cannot be read back."""
        ...


class FileStore:
    name = "file"

    def __init__(self, path: Path) -> None:
        self.path = path

    def _append(self, line: str) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o640)
        with os.fdopen(fd, "a", encoding="utf-8") as fh:
            fh.write(line + "\n")
            fh.flush()
            os.fsync(fh.fileno())

    async def write(self, checkpoint: Checkpoint) -> None:
        try:
            await asyncio.to_thread(self._append, checkpoint.to_json())
        except OSError as exc:
            raise ServiceUnavailable("audit.store_unavailable", store=self.name) from exc

    def _last_line(self) -> str | None:
        if not self.path.is_file():
            return None
        lines = [line for line in self.path.read_text(encoding="utf-8").splitlines() if line]
        return lines[-1] if lines else None

    async def latest(self) -> Checkpoint | None:
        line = await asyncio.to_thread(self._last_line)
        return Checkpoint.from_json(line) if line else None


class ObjectStore:
    name = "storage"

    def __init__(self, storage: ObjectStorage, prefix: str = PREFIX) -> None:
        self.storage = storage
        self.prefix = prefix

    async def write(self, checkpoint: Checkpoint) -> None:
        data = checkpoint.to_json().encode()
        stamp = checkpoint.at.replace("-", "").replace(":", "")
        await self.storage.put(
            f"{self.prefix}/{checkpoint.seq:020d}-{stamp}.json", data, "application/json"
        )
        await self.storage.put(f"{self.prefix}/latest.json", data, "application/json")

    async def latest(self) -> Checkpoint | None:
        try:
            data = await self.storage.get(f"{self.prefix}/latest.json")
        except NotFound:
            return None
        return Checkpoint.from_json(data.decode())


class SyslogStore:
    name = "syslog"

    def __init__(self, address: str) -> None:
        target: str | tuple[str, int]
        if address.startswith("/"):
            target = address
        else:
            host, _, port = address.rpartition(":")
            if not host or not port.isdigit():
                raise InvalidInput("audit.syslog_address", address=address)
            target = (host, int(port))
        self.address = target

    def _send(self, line: str) -> None:
        """One RFC 3164 datagram: facility authpriv, severity info."""
        priority = (SysLogHandler.LOG_AUTHPRIV << 3) | SysLogHandler.LOG_INFO
        payload = f"<{priority}>{SYSLOG_TAG}{line}".encode()
        if isinstance(self.address, str):
            with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
                sock.sendto(payload, self.address)
            return
        family, kind, proto, _, target = socket.getaddrinfo(*self.address, type=socket.SOCK_DGRAM)[
            0
        ]
        with socket.socket(family, kind, proto) as sock:
            sock.sendto(payload, target)

    async def write(self, checkpoint: Checkpoint) -> None:
        try:
            await asyncio.to_thread(self._send, checkpoint.to_json())
        except OSError as exc:
            raise ServiceUnavailable("audit.store_unavailable", store=self.name) from exc

    async def latest(self) -> Checkpoint | None:
        return None


def build_store(settings: Settings, storage: ObjectStorage | None) -> CheckpointStore:
    kind = settings.audit_checkpoint_store
    if kind == "file":
        return FileStore(settings.audit_checkpoint_file)
    if kind == "storage":
        if storage is None:
            raise InvalidInput("audit.store_unknown", store=kind)
        return ObjectStore(storage)
    if kind == "syslog":
        return SyslogStore(settings.audit_syslog_address)
    raise InvalidInput("audit.store_unknown", store=kind)
