"""The server's own look at an uploaded object, never trusting the client or the store.

Two stages: `head_problem` right after the upload, from the store's HEAD (size
and declared type: S3 servers do not all enforce a POST policy, and moto
enforces neither the size nor the type); then `inspect`, from a background job
that reads the object once, in chunks: size, SHA-256, magic bytes (and, for
ZIP-based formats, the archive's members) and the virus scanner. Each problem
is a rejection reason (`attachments.rejected.<reason>`).
"""

from __future__ import annotations

import asyncio
import hashlib
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import IO, Final

from yiwang.platform.storage import ObjectHead
from yiwang.runtime.attachments.filetypes import HEAD_BYTES, container_problem, file_type
from yiwang.runtime.attachments.filetypes import head_problem as magic_problem
from yiwang.runtime.attachments.scanning import Scanner

#: a ZIP-based file is spooled to check its members: in memory up to this size, then on disk
_SPOOL_BYTES: Final = 1024 * 1024

Progress = Callable[[int], Awaitable[None]]


@dataclass(frozen=True)
class Expected:
    """What the upload request declared and the field allowed."""

    size: int
    max_size: int
    content_type: str


@dataclass(frozen=True)
class Inspection:
    size: int
    sha256: str | None
    #: the rejection reason, or None when the object passed every check
    reason: str | None = None
    #: what the scanner found, when the reason is "infected"
    signature: str | None = None

    @property
    def passed(self) -> bool:
        return self.reason is None


def head_problem(head: ObjectHead, expected: Expected) -> str | None:
    """What the store's HEAD already shows to be wrong, or None."""
    if head.size == 0:
        return "empty"
    if head.size > expected.max_size:
        return "too_large"
    if head.size != expected.size:
        return "size_mismatch"
    if head.content_type is not None and head.content_type != expected.content_type:
        return "content_type_tampered"
    return None


async def inspect(
    chunks: AsyncIterator[bytes],
    expected: Expected,
    scanner: Scanner,
    progress: Progress | None = None,
) -> Inspection:
    """Read the object once and decide; stops early at the first problem."""
    kind = file_type(expected.content_type)
    if kind is not None and kind.container == "zip":
        with tempfile.SpooledTemporaryFile(max_size=_SPOOL_BYTES) as spool:
            return await _inspect(chunks, expected, scanner, progress, spool)
    return await _inspect(chunks, expected, scanner, progress, None)


async def _inspect(
    chunks: AsyncIterator[bytes],
    expected: Expected,
    scanner: Scanner,
    progress: Progress | None,
    spool: IO[bytes] | None,
) -> Inspection:
    digest = hashlib.sha256()
    size = 0
    head = b""
    checked_head = False
    async with scanner.scan() as scan:
        async for chunk in chunks:
            size += len(chunk)
            if size > expected.max_size:
                return Inspection(size, None, "too_large")
            if not checked_head:
                head += chunk[: HEAD_BYTES - len(head)]
                if len(head) >= HEAD_BYTES:
                    checked_head = True
                    if problem := magic_problem(expected.content_type, head):
                        return Inspection(size, None, problem)
            digest.update(chunk)
            if spool is not None:
                await asyncio.to_thread(spool.write, chunk)
            await scan.feed(chunk)
            if progress is not None:
                await progress(size)
        if size == 0:
            return Inspection(0, None, "empty")
        if not checked_head and (problem := magic_problem(expected.content_type, head)):
            return Inspection(size, None, problem)
        if size != expected.size:
            return Inspection(size, None, "size_mismatch")
        if spool is not None:
            spool.seek(0)
            if problem := await asyncio.to_thread(container_problem, expected.content_type, spool):
                return Inspection(size, None, problem)
        verdict = await scan.verdict()
    if not verdict.clean:
        return Inspection(size, digest.hexdigest(), "infected", verdict.signature)
    return Inspection(size, digest.hexdigest())
