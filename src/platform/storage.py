"""Object storage: one contract, an S3 backend (boto3) and a local-directory backend.

A failed upload raises `ServiceUnavailable("service.storage_unavailable")` and
leaves nothing behind: S3 PUTs are atomic, and the local backend writes to a
temporary file that it renames only when complete.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import re
import tempfile
from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from yiwang.platform.errors import InvalidInput, NotFound, ServiceUnavailable
from yiwang.platform.settings import Settings

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

_KEY_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,1023}$")


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


class ObjectStorage(ABC):
    """The one contract both backends keep (and the one test suite both pass)."""

    @abstractmethod
    async def put(
        self, key: str, data: bytes, content_type: str = "application/octet-stream"
    ) -> StoredObject: ...

    @abstractmethod
    async def get(self, key: str) -> bytes: ...

    @abstractmethod
    async def delete(self, key: str) -> None: ...

    @abstractmethod
    async def exists(self, key: str) -> bool: ...

    @abstractmethod
    async def ping(self) -> bool: ...


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

    async def get(self, key: str) -> bytes:
        path = self._path(key)
        try:
            return await asyncio.to_thread(path.read_bytes)
        except FileNotFoundError as exc:
            raise NotFound("storage.object_not_found", key=key) from exc
        except OSError as exc:
            raise ServiceUnavailable("service.storage_unavailable") from exc

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
    ) -> None:
        self.bucket = bucket
        self.client: S3Client = boto3.client(
            "s3",
            endpoint_url=endpoint_url,
            region_name=region,
            aws_access_key_id=access_key_id,
            aws_secret_access_key=secret_access_key,
            config=Config(
                connect_timeout=2, read_timeout=10, retries={"max_attempts": 2, "mode": "standard"}
            ),
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

    async def get(self, key: str) -> bytes:
        resp = await self._call(self.client.get_object, Bucket=self.bucket, Key=check_key(key))
        body: bytes = await asyncio.to_thread(resp["Body"].read)
        return body

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


def build_storage(settings: Settings) -> ObjectStorage:
    """The backend the settings name: S3 (any compatible endpoint) or a local directory."""
    if settings.storage_backend == "s3":
        return S3Storage(
            settings.s3_bucket,
            endpoint_url=settings.s3_endpoint_url,
            region=settings.s3_region,
            access_key_id=settings.s3_access_key_id,
            secret_access_key=settings.s3_secret_access_key,
        )
    return LocalStorage(settings.storage_local_root)
