"""What every command needs: settings, a database session factory, JSON output, exit codes."""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any, TypeVar

import click
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from yiwang.platform.database import create_engine, session_factory
from yiwang.platform.errors import YiwangError
from yiwang.platform.settings import Settings

T = TypeVar("T")


@asynccontextmanager
async def sessions(settings: Settings) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(settings.database_url, pool_size=2)
    try:
        yield session_factory(engine)
    finally:
        await engine.dispose()


def run(coro_fn: Callable[[], Awaitable[T]]) -> T:
    """Run a command body; a `YiwangError` becomes a Chinese message and exit code 1."""
    try:
        return asyncio.run(coro_fn())  # type: ignore[arg-type]
    except YiwangError as exc:
        click.echo(json.dumps({"error": exc.as_dict()}, ensure_ascii=False), err=True)
        sys.exit(1)


def echo_json(value: Any) -> None:
    click.echo(json.dumps(value, ensure_ascii=False, indent=2, default=str))


def settings_of(ctx: click.Context) -> Settings:
    obj = ctx.find_root().obj
    if isinstance(obj, Settings):
        return obj
    settings = Settings.from_env()
    ctx.find_root().obj = settings
    return settings
