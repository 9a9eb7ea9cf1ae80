"""An application and test client wired to the real services."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace

from litestar import Litestar
from litestar.testing import AsyncTestClient

from yiwang.app import create_app
from yiwang.platform.settings import Settings


@asynccontextmanager
async def client_for(
    settings: Settings, **overrides: object
) -> AsyncIterator[AsyncTestClient[Litestar]]:
    app = create_app(replace(settings, **overrides))  # type: ignore[arg-type]
    async with AsyncTestClient(app=app, base_url="http://127.0.0.1:8000") as client:
        yield client
