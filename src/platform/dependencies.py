"""Request-scoped dependencies: one session, one transaction per request."""

from __future__ import annotations

from collections.abc import AsyncIterator

from litestar.datastructures import State
from sqlalchemy.ext.asyncio import AsyncSession


async def provide_db_session(state: State) -> AsyncIterator[AsyncSession]:
    """Commit when the handler succeeds, before the response is sent; roll back otherwise."""
    async with state.sessions() as session, session.begin():
        yield session
