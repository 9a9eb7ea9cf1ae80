"""The S3 backend (boto3, any compatible endpoint); calls run in a worker thread.

It alone signs browser uploads (`presigned_post`, a POST policy) and downloads
(`presigned_get`).
"""

from __future__ import annotations

import asyncio
import hashlib
import tempfile
from collections.abc import AsyncIterable, AsyncIterator
from datetime import UTC
from typing import TYPE_CHECKING, Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from yiwang.platform.errors import NotFound, ServiceUnavailable
from yiwang.platform.storage.contract import (
    CHUNK_SIZE,
    SPOOL_BYTES,
    ListedObject,
    ObjectHead,
    ObjectStorage,
    PresignedPost,
    StoredObject,
    check_folder,
    check_key,
    spool,
)

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client


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
        with tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES) as body:
            size, digest = await spool(chunks, body, max_size)
            body.seek(0)
            # One PUT of the whole body: S3 never shows a half-written object.
            await self._call(
                self.client.put_object,
                Bucket=self.bucket,
                Key=key,
                Body=body,
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

    async def listing(self, folder: str) -> AsyncIterator[ListedObject]:
        """ListObjectsV2, a page (up to 1,000 keys) per request."""
        asked: dict[str, Any] = {"Bucket": self.bucket, "Prefix": check_folder(folder)}
        while True:
            page = await self._call(self.client.list_objects_v2, **asked)
            for item in page.get("Contents") or ():
                modified = item["LastModified"].astimezone(UTC)
                yield ListedObject(str(item["Key"]), int(item["Size"]), modified)
            token = page.get("NextContinuationToken")
            if not page.get("IsTruncated") or not token:
                return
            asked["ContinuationToken"] = token

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
