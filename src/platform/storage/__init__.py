"""Object storage: one contract (`contract`), an S3 backend (`s3`) and a local-directory
backend (`local`); `build_storage` picks the one the settings name."""

from __future__ import annotations

from yiwang.platform.settings import Settings
from yiwang.platform.storage.contract import (
    CHUNK_SIZE,
    ListedObject,
    ObjectHead,
    ObjectStorage,
    ObjectTooLarge,
    PresignedPost,
    StoredObject,
    check_folder,
    check_key,
)
from yiwang.platform.storage.local import LocalStorage
from yiwang.platform.storage.s3 import S3Storage, s3_config

__all__ = [
    "CHUNK_SIZE",
    "ListedObject",
    "LocalStorage",
    "ObjectHead",
    "ObjectStorage",
    "ObjectTooLarge",
    "PresignedPost",
    "S3Storage",
    "StoredObject",
    "build_storage",
    "check_folder",
    "check_key",
    "s3_config",
]


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
