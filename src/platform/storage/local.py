"""The local-directory backend: atomic writes (a temporary file renamed when complete).

It signs nothing; the attachments room gives it upload and download equivalents of its
own, served by the application.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import shutil
import stat
import tempfile
from collections.abc import AsyncIterable, AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

from yiwang.platform.errors import NotFound, ServiceUnavailable
from yiwang.platform.storage.contract import (
    CHUNK_SIZE,
    ListedObject,
    ObjectHead,
    ObjectStorage,
    StoredObject,
    check_folder,
    check_key,
    spool,
)

#: the prefix of a write in progress (renamed into place once complete): no object yet
PARTIAL_PREFIX = ".upload-"
#: files a listing reads at a time
LISTING_PAGE = 1000


def _discard(path: str) -> None:
    Path(path).unlink(missing_ok=True)


class LocalStorage(ObjectStorage):
    """Objects as files under a root directory (embedded mode and development)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str) -> Path:
        return self.root / check_key(key)

    async def put(
        self, key: str, data: bytes, content_type: str = "application/octet-stream"
    ) -> StoredObject:
        path = self._path(key)
        try:
            await asyncio.to_thread(self._write_atomically, path, data)
        except OSError as exc:
            raise ServiceUnavailable("service.storage_unavailable") from exc
        return StoredObject(key, len(data), hashlib.sha256(data).hexdigest(), content_type)

    @staticmethod
    def _write_atomically(path: Path, data: bytes) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=PARTIAL_PREFIX)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    async def put_stream(
        self,
        key: str,
        chunks: AsyncIterable[bytes],
        content_type: str = "application/octet-stream",
        *,
        max_size: int,
    ) -> StoredObject:
        path = self._path(key)
        try:
            await asyncio.to_thread(path.parent.mkdir, parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=PARTIAL_PREFIX)
        except OSError as exc:
            raise ServiceUnavailable("service.storage_unavailable") from exc
        try:
            with os.fdopen(fd, "wb") as fh:
                size, digest = await spool(chunks, fh, max_size)
                await asyncio.to_thread(fh.flush)
                await asyncio.to_thread(os.fsync, fh.fileno())
            await asyncio.to_thread(os.replace, tmp, path)
        except OSError as exc:
            _discard(tmp)
            raise ServiceUnavailable("service.storage_unavailable") from exc
        except BaseException:
            _discard(tmp)  # too large, or the client went away: no partial file stays
            raise
        return StoredObject(key, size, digest, content_type)

    async def get(self, key: str) -> bytes:
        path = self._path(key)
        try:
            return await asyncio.to_thread(path.read_bytes)
        except FileNotFoundError as exc:
            raise NotFound("storage.object_not_found", key=key) from exc
        except OSError as exc:
            raise ServiceUnavailable("service.storage_unavailable") from exc

    async def stream(self, key: str, chunk_size: int = CHUNK_SIZE) -> AsyncIterator[bytes]:
        path = self._path(key)
        try:
            fh = await asyncio.to_thread(path.open, "rb")
        except FileNotFoundError as exc:
            raise NotFound("storage.object_not_found", key=key) from exc
        except OSError as exc:
            raise ServiceUnavailable("service.storage_unavailable") from exc
        try:
            while chunk := await asyncio.to_thread(fh.read, chunk_size):
                yield chunk
        except OSError as exc:
            raise ServiceUnavailable("service.storage_unavailable") from exc
        finally:
            fh.close()

    async def head(self, key: str) -> ObjectHead:
        path = self._path(key)
        try:
            found = await asyncio.to_thread(os.stat, path)
        except FileNotFoundError as exc:
            raise NotFound("storage.object_not_found", key=key) from exc
        except OSError as exc:
            raise ServiceUnavailable("service.storage_unavailable") from exc
        if not stat.S_ISREG(found.st_mode):
            raise NotFound("storage.object_not_found", key=key)
        return ObjectHead(key, found.st_size, None)

    async def copy(self, source: str, target: str) -> None:
        src, dst = self._path(source), self._path(target)
        try:
            await asyncio.to_thread(self._copy_atomically, src, dst)
        except FileNotFoundError as exc:
            raise NotFound("storage.object_not_found", key=source) from exc
        except OSError as exc:
            raise ServiceUnavailable("service.storage_unavailable") from exc

    @staticmethod
    def _copy_atomically(src: Path, dst: Path) -> None:
        dst.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=dst.parent, prefix=PARTIAL_PREFIX)
        try:
            with os.fdopen(fd, "wb") as out, src.open("rb") as inp:
                shutil.copyfileobj(inp, out, CHUNK_SIZE)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, dst)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    async def listing(self, folder: str) -> AsyncIterator[ListedObject]:
        base = self.root / check_folder(folder)
        found = await asyncio.to_thread(self._files_under, base)
        for start in range(0, len(found), LISTING_PAGE):
            page = await asyncio.to_thread(self._listed, found[start : start + LISTING_PAGE])
            for listed in page:
                yield listed

    @staticmethod
    def _files_under(base: Path) -> list[Path]:
        """The complete files below `base` (none if it is no folder); an error other than
        a missing folder is the store's failure."""
        out: list[Path] = []

        def fail(exc: OSError) -> None:
            if not isinstance(exc, FileNotFoundError):
                raise ServiceUnavailable("service.storage_unavailable") from exc

        for folder, _, names in os.walk(base, onerror=fail):
            out.extend(Path(folder) / n for n in names if not n.startswith(PARTIAL_PREFIX))
        return out

    def _listed(self, paths: list[Path]) -> list[ListedObject]:
        out = []
        for path in paths:
            try:
                found = path.stat()
            except FileNotFoundError:
                continue  # deleted since the walk: no longer an object
            except OSError as exc:
                raise ServiceUnavailable("service.storage_unavailable") from exc
            key = path.relative_to(self.root).as_posix()
            modified = datetime.fromtimestamp(found.st_mtime, UTC)
            out.append(ListedObject(key, found.st_size, modified))
        return out

    async def delete(self, key: str) -> None:
        await asyncio.to_thread(self._path(key).unlink, True)

    async def exists(self, key: str) -> bool:
        return await asyncio.to_thread(self._path(key).is_file)

    async def ping(self) -> bool:
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            return os.access(self.root, os.W_OK)
        except OSError:
            return False
