"""What every command needs: settings, the database and cache, a unit of work acting as
the command line, JSON output and exit codes.

A command's error is one line of JSON on stderr, `{"error": {...}}` as the API
answers, and exit code 1: a `YiwangError` as it is, an unreachable database or
Redis as `service.*_unavailable`. Never a traceback.
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import click
import psycopg
import structlog
from redis.exceptions import RedisError
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from yiwang.platform.cache import Cache
from yiwang.platform.database import create_engine, session_factory
from yiwang.platform.errors import InvalidInput, NotFound, ServiceUnavailable, YiwangError
from yiwang.platform.settings import Settings
from yiwang.platform.tenant_context import TenantScope
from yiwang.platform.unit_of_work import UnitOfWork, command_line, unit_of_work

T = TypeVar("T")
log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class CommandEnvironment:
    """The services a command talks to, open for the length of the command."""

    settings: Settings
    sessions: async_sessionmaker[AsyncSession]
    cache: Cache

    def unit(self, scope: TenantScope | None = None) -> AbstractAsyncContextManager[UnitOfWork]:
        """A unit of work acting as the command line (`cli:<os user>`)."""
        return unit_of_work(self.sessions, actor=command_line(), scope=scope)


@asynccontextmanager
async def command_environment(settings: Settings) -> AsyncIterator[CommandEnvironment]:
    engine = create_engine(settings.database_url, pool_size=2)
    cache = Cache(settings.redis_url)
    try:
        yield CommandEnvironment(settings, session_factory(engine), cache)
    finally:
        await cache.close()
        await engine.dispose()


@asynccontextmanager
async def sessions(settings: Settings) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """A session factory alone, for commands that only read."""
    engine = create_engine(settings.database_url, pool_size=2)
    try:
        yield session_factory(engine)
    finally:
        await engine.dispose()


def fail(error: YiwangError, *, exit_code: int = 1) -> NoReturn:
    """Print `error` as the one-line JSON error and exit."""
    click.echo(json.dumps({"error": error.as_dict()}, ensure_ascii=False), err=True)
    sys.exit(exit_code)


def _unreachable_service(exc: BaseException) -> YiwangError | None:
    """The error to show when `exc` means a backing service could not be reached."""
    if isinstance(exc, OperationalError | InterfaceError | psycopg.OperationalError):
        return ServiceUnavailable("service.database_unavailable")
    if isinstance(exc, RedisError):
        return ServiceUnavailable("service.cache_unavailable")
    if isinstance(exc, ConnectionError):
        return ServiceUnavailable("service.database_unavailable")
    return None


class CommandGroup(click.Group):
    """The `yiwang` command: whatever goes wrong, one line of JSON error, never a traceback.

    Usage errors exit 2 (click's convention), every other failure 1.
    """

    def main(self, *args: Any, **kwargs: Any) -> Any:
        kwargs["standalone_mode"] = False
        try:
            return super().main(*args, **kwargs)
        except click.exceptions.Exit as exc:
            sys.exit(exc.exit_code)
        except click.Abort:
            fail(InvalidInput("cli.aborted"))
        except click.ClickException as exc:
            fail(InvalidInput("cli.usage", detail=exc.format_message()), exit_code=2)
        except YiwangError as exc:
            fail(exc)
        except Exception as exc:
            known = _unreachable_service(exc)
            if known is not None:
                fail(known)
            log.error("command_failed", error=type(exc).__name__, detail=str(exc)[:200])
            fail(YiwangError("internal", request_id=type(exc).__name__))


def run(coro_fn: Callable[[], Awaitable[T]]) -> T:
    """Run a command body; every expected failure becomes the one-line error and exit 1."""
    try:
        return asyncio.run(coro_fn())  # type: ignore[arg-type]
    except YiwangError as exc:
        fail(exc)
    except Exception as exc:
        known = _unreachable_service(exc)
        if known is None:
            raise
        fail(known)


def echo_json(value: Any) -> None:
    click.echo(json.dumps(value, ensure_ascii=False, indent=2, default=str))


def echo_errors(details: Any) -> None:
    """Print a list of error details (`ErrorDetail.as_dict` each) as JSON."""
    echo_json([d.as_dict() for d in details])


def existing_file(path: Path, *, also_under: Path | None = None) -> Path:
    """`path`, or `also_under/path`, if it is a readable file; else `cli.file_missing`."""
    candidates: list[Path] = [path] + ([also_under / path] if also_under else [])
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    raise NotFound("cli.file_missing", file=str(path)[:200])


def settings_of(ctx: click.Context) -> Settings:
    obj = ctx.find_root().obj
    if isinstance(obj, Settings):
        return obj
    settings = Settings.from_env()
    ctx.find_root().obj = settings
    return settings
