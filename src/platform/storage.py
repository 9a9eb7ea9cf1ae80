"""Object storage: one contract, an S3 backend (boto3) and a local-directory backend.

A failed upload raises `ServiceUnavailable("service.storage_unavailable")` and
leaves nothing behind: S3 PUTs are atomic, and the local backend writes to a
temporary file that it renames only when complete.

Both backends also stream: `head` (size and type without the body), `stream`
(the body in chunks, so a large object never sits in memory) and `put_stream`
(a body of unknown length, refused once it passes `max_size`). The S3 backend
alone signs browser uploads (`presigned_post`, a POST policy) and downloads
(`presigned_get`); the attachments room gives the local backend equivalents
of its own, served by the application.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import re
import shutil
import stat
import tempfile
from abc import ABC, abstractmethod
from collections.abc import AsyncIterable, AsyncIterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Final

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from yiwang.platform.errors import InvalidInput, NotFound, ServiceUnavailable
from yiwang.platform.settings import Settings

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

    from yiwang.platform.settings import Settings

_KEY_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,1023}$")
#: the size of the chunks `stream` yields and `put_stream` buffers in memory
CHUNK_SIZE: Final = 256 * 1024
#: `put_stream` keeps a body this small in memory and spills larger ones to disk
_SPOOL_BYTES: Final = 8 * 1024 * 1024


def check_key(key: str) -> str:
    if not _KEY_RE.match(key) or ".." in key.split("/") or "//" in key:
        raise InvalidInput("storage.key_invalid", pointer="/key", key=key)
    return key


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
    async def copy(self, source: str, target: str) -> None:
        """Copy inside the store, whole or not at all; `NotFound` without a source."""

    @abstractmethod
    async def delete(self, key: str) -> None: ...

    @abstractmethod
    async def exists(self, key: str) -> bool: ...

    @abstractmethod
    async def ping(self) -> bool: ...


async def _spool(chunks: AsyncIterable[bytes], out: IO[bytes], max_size: int) -> tuple[int, str]:
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
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
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
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
        except OSError as exc:
            raise ServiceUnavailable("service.storage_unavailable") from exc
        try:
            with os.fdopen(fd, "wb") as fh:
                size, digest = await _spool(chunks, fh, max_size)
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
        fd, tmp = tempfile.mkstemp(dir=dst.parent, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as out, src.open("rb") as inp:
                shutil.copyfileobj(inp, out, CHUNK_SIZE)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, dst)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

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


def s3_config(addressing_style: str = "auto") -> Config:
    """The one client configuration. Since boto3 1.36 every request carries a CRC32
    checksum by default, which many S3-compatible servers reject: checksums are sent
    and checked only where the API requires them (the object's SHA-256 is checked by
    the attachments room itself)."""
    s3: Any = {"addressing_style": addressing_style}
    return Config(
        connect_timeout=2,
        read_timeout=10,
        retries={"max_attempts": 2, "mode": "standard"},
        signature_version="s3v4",
        s3=s3,
        request_checksum_calculation="when_required",
        response_checksum_validation="when_required",
    )


class S3Storage(ObjectStorage):
    """Any S3-compatible endpoint through boto3; calls run in a worker thread."""

    def __init__(
        self,
        bucket: str,
        *,
        endpoint_url: str | None = None,
        region: str = "us-east-1",
        access_key_id: str | None = None,
        secret_access_key: str | None = None,
        addressing_style: str = "auto",
    ) -> None:
        self.bucket = bucket
        self.client: S3Client = boto3.client(
            "s3",
            endpoint_url=endpoint_url,
            region_name=region,
            aws_access_key_id=access_key_id,
            aws_secret_access_key=secret_access_key,
            config=s3_config(addressing_style),
        )

    async def _call(self, fn: Any, **kwargs: Any) -> Any:
        try:
            return await asyncio.to_thread(fn, **kwargs)
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            if code in ("NoSuchKey", "404", "NotFound"):
                raise NotFound("storage.object_not_found", key=kwargs.get("Key", "")) from exc
            raise ServiceUnavailable("service.storage_unavailable") from exc
        except BotoCoreError as exc:
            raise ServiceUnavailable("service.storage_unavailable") from exc

    async def ensure_bucket(self) -> None:
        try:
            await self._call(self.client.head_bucket, Bucket=self.bucket)
        except (NotFound, ServiceUnavailable):
            await self._call(self.client.create_bucket, Bucket=self.bucket)

    async def put(
        self, key: str, data: bytes, content_type: str = "application/octet-stream"
    ) -> StoredObject:
        digest = hashlib.sha256(data).hexdigest()
        await self._call(
            self.client.put_object,
            Bucket=self.bucket,
            Key=check_key(key),
            Body=data,
            ContentType=content_type,
            Metadata={"sha256": digest},
        )
        return StoredObject(key, len(data), digest, content_type)

    async def put_stream(
        self,
        key: str,
        chunks: AsyncIterable[bytes],
        content_type: str = "application/octet-stream",
        *,
        max_size: int,
    ) -> StoredObject:
        check_key(key)
        with tempfile.SpooledTemporaryFile(max_size=_SPOOL_BYTES) as spool:
            size, digest = await _spool(chunks, spool, max_size)
            spool.seek(0)
            # One PUT of the whole body: S3 never shows a half-written object.
            await self._call(
                self.client.put_object,
                Bucket=self.bucket,
                Key=key,
                Body=spool,
                ContentLength=size,
                ContentType=content_type,
                Metadata={"sha256": digest},
            )
        return StoredObject(key, size, digest, content_type)

    async def get(self, key: str) -> bytes:
        resp = await self._call(self.client.get_object, Bucket=self.bucket, Key=check_key(key))
        body: bytes = await self._read(resp["Body"].read)
        return body

    async def _read(self, fn: Any, *args: Any) -> Any:
        try:
            return await asyncio.to_thread(fn, *args)
        except (BotoCoreError, OSError) as exc:
            raise ServiceUnavailable("service.storage_unavailable") from exc

    async def stream(self, key: str, chunk_size: int = CHUNK_SIZE) -> AsyncIterator[bytes]:
        resp = await self._call(self.client.get_object, Bucket=self.bucket, Key=check_key(key))
        body = resp["Body"]
        try:
            while chunk := await self._read(body.read, chunk_size):
                yield chunk
        finally:
            body.close()

    async def head(self, key: str) -> ObjectHead:
        resp = await self._call(self.client.head_object, Bucket=self.bucket, Key=check_key(key))
        return ObjectHead(
            key,
            int(resp["ContentLength"]),
            resp.get("ContentType") or None,
            dict(resp.get("Metadata") or {}),
        )

    async def copy(self, source: str, target: str) -> None:
        await self._call(
            self.client.copy_object,
            Bucket=self.bucket,
            Key=check_key(target),
            CopySource={"Bucket": self.bucket, "Key": check_key(source)},
            MetadataDirective="COPY",
        )

    async def delete(self, key: str) -> None:
        await self._call(self.client.delete_object, Bucket=self.bucket, Key=check_key(key))

    async def exists(self, key: str) -> bool:
        try:
            await self._call(self.client.head_object, Bucket=self.bucket, Key=check_key(key))
        except NotFound:
            return False
        return True

    async def ping(self) -> bool:
        try:
            await self._call(self.client.head_bucket, Bucket=self.bucket)
        except (NotFound, ServiceUnavailable):
            return False
        return True

    # --- browser uploads and downloads, signed here and checked by S3 ---------

    def presigned_post(
        self, key: str, *, content_type: str, size: int, expires_seconds: int
    ) -> PresignedPost:
        """A POST policy for exactly `size` bytes of `content_type` at `key`.

        Signing is local (no request), so it works while S3 is down; the servers
        that enforce the policy are not all strict (moto enforces neither the size
        nor the type), so what arrives is checked again after the upload."""
        fields = {"Content-Type": content_type, "success_action_status": "204"}
        conditions: list[Any] = [
            ["content-length-range", size, size],
            {"Content-Type": content_type},
            {"success_action_status": "204"},
        ]
        signed = self.client.generate_presigned_post(
            self.bucket,
            check_key(key),
            Fields=fields,
            Conditions=conditions,
            ExpiresIn=expires_seconds,
        )
        return PresignedPost(str(signed["url"]), {k: str(v) for k, v in signed["fields"].items()})

    def presigned_get(
        self, key: str, *, disposition: str, content_type: str, expires_seconds: int
    ) -> str:
        """A download URL whose response carries our `Content-Disposition` and type."""
        return str(
            self.client.generate_presigned_url(
                "get_object",
                Params={
                    "Bucket": self.bucket,
                    "Key": check_key(key),
                    "ResponseContentDisposition": disposition,
                    "ResponseContentType": content_type,
                },
                ExpiresIn=expires_seconds,
            )
        )


def build_storage(settings: Settings) -> ObjectStorage:
    """The backend the settings name: S3 (any compatible endpoint) or a local directory."""
    if settings.storage_backend == "s3":
        return S3Storage(
            settings.s3_bucket,
            endpoint_url=settings.s3_endpoint_url,
            region=settings.s3_region,
            access_key_id=settings.s3_access_key_id,
            secret_access_key=settings.s3_secret_access_key,
            addressing_style=settings.s3_addressing_style,
        )
    return LocalStorage(settings.storage_local_root)
