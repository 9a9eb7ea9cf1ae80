"""Wiring the checkpoint schedule into an app's lifespan."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from litestar import Litestar
from litestar.config.app import AppConfig
from litestar.plugins import InitPluginProtocol
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from yiwang.platform.audit.anchoring import CheckpointSchedule
from yiwang.platform.audit.stores import build_store
from yiwang.platform.settings import Settings
from yiwang.platform.storage import ObjectStorage


class AuditPlugin(InitPluginProtocol):
    def __init__(
        self,
        settings: Settings,
        sessions: async_sessionmaker[AsyncSession],
        storage: ObjectStorage | None,
    ) -> None:
        self.schedule = CheckpointSchedule(sessions, settings, build_store(settings, storage))

    def on_app_init(self, app_config: AppConfig) -> AppConfig:
        schedule = self.schedule

        @asynccontextmanager
        async def checkpoints(app: Litestar) -> AsyncIterator[None]:
            async with schedule.running():
                yield

        app_config.lifespan = [*app_config.lifespan, checkpoints]
        return app_config
