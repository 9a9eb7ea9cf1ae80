"""The kernel's long-lived objects, injected by type into the handlers that need them."""

from __future__ import annotations

from litestar.di import Provide
from sqlalchemy.ext.asyncio import AsyncEngine

from yiwang.platform.cache import Cache
from yiwang.platform.settings import Settings
from yiwang.platform.storage import ObjectStorage


def dependencies(
    settings: Settings, engine: AsyncEngine, cache: Cache, storage: ObjectStorage
) -> dict[str, Provide]:
    def provide_settings() -> Settings:
        return settings

    def provide_engine() -> AsyncEngine:
        return engine

    def provide_cache() -> Cache:
        return cache

    def provide_storage() -> ObjectStorage:
        return storage

    return {
        "settings": Provide(provide_settings, sync_to_thread=False),
        "engine": Provide(provide_engine, sync_to_thread=False),
        "cache": Provide(provide_cache, sync_to_thread=False),
        "storage": Provide(provide_storage, sync_to_thread=False),
    }
