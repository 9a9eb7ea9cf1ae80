"""The virus-scanner hook: every attachment's bytes pass a `Scanner` before it counts.

A scan is a session fed chunk by chunk while the verification job reads the
object once, so a large file is never held in memory and never read twice.
Two scanners ship:

- `EicarScanner`, for development and tests: it flags the EICAR test string
  (anywhere in the file) and nothing else. It is refused outside development.
- `ClamdScanner`, for production: ClamAV's daemon over a Unix socket or TCP,
  with its INSTREAM command. clamd's `StreamMaxLength` must be at least the
  largest `max_size` a field allows, or clamd refuses the stream (and the
  attachment stays pending, retried, with the error logged).

A scanner that cannot be reached raises `ScannerUnavailable`: the attachment
stays pending and the job is retried; it is never waved through.
"""

from __future__ import annotations

import asyncio
import contextlib
import struct
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import structlog

from yiwang.runtime.attachments.errors import ScannerUnavailable

log = structlog.get_logger(__name__)

# Built from parts, so this source file itself never carries the test signature.
EICAR: Final = b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$" + b"EICAR-STANDARD-ANTIVIRUS-" + b"TEST-FILE!$H+H*"


@dataclass(frozen=True)
class ScanVerdict:
    clean: bool
    #: what the scanner found, e.g. "Eicar-Test-Signature"
    signature: str | None = None


class ScanSession(ABC):
    @abstractmethod
    async def feed(self, chunk: bytes) -> None: ...

    @abstractmethod
    async def verdict(self) -> ScanVerdict:
        """Called once, after the last chunk."""


class Scanner(ABC):
    #: as the settings name it: "eicar", "clamd"
    name: str

    @abstractmethod
    def scan(self) -> contextlib.AbstractAsyncContextManager[ScanSession]:
        """A session for one file; leaving it releases whatever it holds."""


class _EicarSession(ScanSession):
    def __init__(self) -> None:
        self._tail = b""
        self._found = False

    async def feed(self, chunk: bytes) -> None:
        window = self._tail + chunk
        if EICAR in window:
            self._found = True
        self._tail = window[-(len(EICAR) - 1) :]

    async def verdict(self) -> ScanVerdict:
        if self._found:
            return ScanVerdict(False, "Eicar-Test-Signature")
        return ScanVerdict(True)


class EicarScanner(Scanner):
    """Development only: flags the EICAR test file, so the rejection path can be seen."""

    name = "eicar"

    @asynccontextmanager
    async def scan(self) -> AsyncIterator[ScanSession]:
        yield _EicarSession()


class _ClamdSession(ScanSession):
    def __init__(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, timeout: float
    ) -> None:
        self._reader = reader
        self._writer = writer
        self._timeout = timeout

    async def feed(self, chunk: bytes) -> None:
        try:
            for start in range(0, len(chunk), ClamdScanner.CHUNK):
                part = chunk[start : start + ClamdScanner.CHUNK]
                self._writer.write(struct.pack("!L", len(part)) + part)
                await asyncio.wait_for(self._writer.drain(), self._timeout)
        except (OSError, TimeoutError) as exc:
            raise ScannerUnavailable("attachments.scanner_unavailable") from exc

    async def verdict(self) -> ScanVerdict:
        try:
            self._writer.write(struct.pack("!L", 0))
            await asyncio.wait_for(self._writer.drain(), self._timeout)
            raw = await asyncio.wait_for(self._reader.readuntil(b"\0"), self._timeout)
        except (OSError, TimeoutError, asyncio.IncompleteReadError) as exc:
            raise ScannerUnavailable("attachments.scanner_unavailable") from exc
        return parse_clamd_reply(raw)


def parse_clamd_reply(raw: bytes) -> ScanVerdict:
    """`stream: OK`, `stream: <signature> FOUND`, or an error clamd could not scan past."""
    reply = raw.rstrip(b"\0").decode("utf-8", "replace").strip()
    _, _, result = reply.partition(": ")
    if result == "OK":
        return ScanVerdict(True)
    if result.endswith(" FOUND"):
        return ScanVerdict(False, result.removesuffix(" FOUND").strip()[:120] or "unknown")
    log.error("clamd_error", reply=reply[:200])
    raise ScannerUnavailable("attachments.scanner_unavailable")


class ClamdScanner(Scanner):
    """ClamAV's clamd, INSTREAM over a Unix socket (`socket`) or TCP (`host`, `port`)."""

    name = "clamd"
    #: clamd's default StreamMaxLength is 25 MiB; chunks are sent in pieces this large
    CHUNK: Final = 64 * 1024

    def __init__(
        self,
        *,
        socket: Path | None = None,
        host: str | None = None,
        port: int | None = None,
        timeout: float = 30.0,
    ) -> None:
        if (socket is None) == (host is None or port is None):
            raise ValueError("clamd needs a socket path or a host and port")
        self.socket = socket
        self.host = host
        self.port = port
        self.timeout = timeout

    async def _connect(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        try:
            if self.socket is not None:
                opening = asyncio.open_unix_connection(str(self.socket))
            else:
                opening = asyncio.open_connection(self.host, self.port)
            return await asyncio.wait_for(opening, self.timeout)
        except (OSError, TimeoutError) as exc:
            raise ScannerUnavailable("attachments.scanner_unavailable") from exc

    @asynccontextmanager
    async def scan(self) -> AsyncIterator[ScanSession]:
        reader, writer = await self._connect()
        try:
            writer.write(b"zINSTREAM\0")
            yield _ClamdSession(reader, writer, self.timeout)
        finally:
            writer.close()
            with contextlib.suppress(OSError, TimeoutError):
                await asyncio.wait_for(writer.wait_closed(), self.timeout)
