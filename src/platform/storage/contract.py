"""The object-storage contract every backend fulfils, and what backends share.

A failed upload raises `ServiceUnavailable("service.storage_unavailable")` and
leaves nothing behind. Every backend also streams: `head` (size and type without
the body), `stream` (the body in chunks, so a large object never sits in memory)
and `put_stream` (a body of unknown length, refused once it passes `max_size`);
`listing` names the objects under one folder with their size and time (a sweep).
"""

from __future__ import annotations

import asyncio
import hashlib
import re
from abc import ABC, abstractmethod
from collections.abc import AsyncIterable, AsyncIterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import IO, Final

from yiwang.platform.errors import InvalidInput

_KEY_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,1023}$")
#: the size of the chunks `stream` yields and `put_stream` buffers in memory
CHUNK_SIZE: Final = 256 * 1024
#: `put_stream` keeps a body this small in memory and spills larger ones to disk
SPOOL_BYTES: Final = 8 * 1024 * 1024


def check_key(key: str) -> str:
    if not _KEY_RE.match(key) or ".." in key.split("/") or "//" in key:
        raise InvalidInput("storage.key_invalid", pointer="/key", key=key)
    return key


def check_folder(prefix: str) -> str:
    """A folder to list: a key's form, ending with `/` (`t/16/exports/`)."""
    if not prefix.endswith("/") or "//" in prefix:
        raise InvalidInput("storage.key_invalid", pointer="/key", key=prefix)
    check_key(prefix[:-1])
    return prefix


@dataclass(frozen=True)
class StoredObject:
    key: str
    size: int
    sha256: str
    content_type: str


@dataclass(frozen=True)
class ObjectHead:
    """What the store says about an object without reading it (never trusted alone)."""

    key: str
    size: int
    #: as the uploader declared it to the store; None where the backend keeps none
    content_type: str | None
    metadata: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ListedObject:
    """An object as a listing names it."""

    key: str
    size: int
    #: when the store last wrote it (timezone-aware, UTC)
    modified: datetime


@dataclass(frozen=True)
class PresignedPost:
    """A browser upload: POST multipart/form-data to `url` with `fields`, the file last."""

    url: str
    fields: dict[str, str]


class ObjectTooLarge(InvalidInput):
    """A streamed body passed the size it was allowed; nothing was stored."""


class ObjectStorage(ABC):
    """The one contract both backends keep (and the one test suite both pass)."""

    @abstractmethod
    async def put(
        self, key: str, data: bytes, content_type: str = "application/octet-stream"
    ) -> StoredObject: ...

    @abstractmethod
    async def put_stream(
        self,
        key: str,
        chunks: AsyncIterable[bytes],
        content_type: str = "application/octet-stream",
        *,
        max_size: int,
    ) -> StoredObject:
        """Store a body of unknown length; `ObjectTooLarge` past `max_size`, nothing kept."""

    @abstractmethod
    async def get(self, key: str) -> bytes: ...

    @abstractmethod
    def stream(self, key: str, chunk_size: int = CHUNK_SIZE) -> AsyncIterator[bytes]:
        """The body in chunks; `NotFound` if there is none."""

    @abstractmethod
    async def head(self, key: str) -> ObjectHead:
        """Size and declared type; `NotFound` if there is no such object."""

    @abstractmethod
    def listing(self, folder: str) -> AsyncIterator[ListedObject]:
        """Every object whose key starts with `folder` (ending with `/`), below it at any
        depth, in no promised order, read a page at a time; nothing for an empty folder."""

    @abstractmethod
    async def copy(self, source: str, target: str) -> None:
        """Copy inside the store, whole or not at all; `NotFound` without a source."""

    @abstractmethod
    async def delete(self, key: str) -> None: ...

    @abstractmethod
    async def exists(self, key: str) -> bool: ...

    @abstractmethod
    async def ping(self) -> bool: ...


async def spool(chunks: AsyncIterable[bytes], out: IO[bytes], max_size: int) -> tuple[int, str]:
    """Copy `chunks` into `out`, hashing; refuse past `max_size`."""
    digest = hashlib.sha256()
    size = 0
    async for chunk in chunks:
        size += len(chunk)
        if size > max_size:
            raise ObjectTooLarge("storage.object_too_large", max_size=max_size)
        digest.update(chunk)
        await asyncio.to_thread(out.write, chunk)
    return size, digest.hexdigest()
