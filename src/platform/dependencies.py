"""The kernel's long-lived objects, injected by type into the handlers that need them."""

from __future__ import annotations

from typing import Any

from litestar.connection import ASGIConnection
from litestar.di import Provide
from sqlalchemy.ext.asyncio import AsyncEngine

from yiwang.platform.cache import Cache
from yiwang.platform.edge.forwarded import client_ip
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

    def provide_client_ip(request: ASGIConnection[Any, Any, Any, Any]) -> str:
        """The caller's address as the edge resolved it, for audit records and limits."""
        return client_ip(request.scope)

    return {
        "settings": Provide(provide_settings, sync_to_thread=False),
        "engine": Provide(provide_engine, sync_to_thread=False),
        "cache": Provide(provide_cache, sync_to_thread=False),
        "storage": Provide(provide_storage, sync_to_thread=False),
        "client_ip": Provide(provide_client_ip, sync_to_thread=False),
    }
