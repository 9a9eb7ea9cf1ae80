"""The platform's services as the app wires them, for service-level integration tests.

Every call runs in a fresh unit of work that commits, as one request would.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Any, Concatenate, ParamSpec, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from yiwang.platform.cache import Cache
from yiwang.platform.tenant_context import TenantScope
from yiwang.platform.unit_of_work import UnitOfWork, unit_of_work
from yiwang.policy.dependencies import PolicyServices
from yiwang.policy.identity.dependencies import IdentityServices
from yiwang.tenants.directory import TenantDirectory

P = ParamSpec("P")
T = TypeVar("T")

ACTOR = "test"


@dataclass
class Stack:
    sessions: async_sessionmaker[AsyncSession]
    cache: Cache
    directory: TenantDirectory
    policy: PolicyServices
    identity: IdentityServices

    # what tests reach for most -------------------------------------------------
    @property
    def login(self) -> Any:
        return self.identity.login

    @property
    def accounts(self) -> Any:
        return self.identity.accounts

    @property
    def session_store(self) -> Any:
        return self.identity.session_store

    @property
    def sync(self) -> Any:
        return self.policy.sync

    @property
    def enrolment(self) -> Any:
        return self.identity.enrolment

    def unit(
        self, actor: str = ACTOR, scope: TenantScope | None = None
    ) -> AbstractAsyncContextManager[UnitOfWork]:
        return unit_of_work(self.sessions, actor=actor, scope=scope)

    async def run(
        self, fn: Callable[Concatenate[UnitOfWork, P], Awaitable[T]], *args: P.args, **kw: P.kwargs
    ) -> T:
        """`fn(uow, ...)` in a unit of work of its own."""
        async with self.unit() as uow:
            return await fn(uow, *args, **kw)

    async def admin(self, method: str, /, **kw: Any) -> Any:
        """A `PolicyAdmin` call in a unit of work of its own, acting as the test, on a
        current tree (a worker's directory follows the registry by itself)."""
        await self.directory.refresh()
        async with self.unit() as uow:
            admin = self.policy.admin(uow, self.directory, self.identity.accounts)
            return await getattr(admin, method)(**kw)

    async def account_admin(self, method: str, /, as_actor: str = ACTOR, **kw: Any) -> Any:
        """An `AccountAdmin` call in a unit of work of its own, acting as `as_actor`, on a
        current tree."""
        await self.directory.refresh()
        async with self.unit(as_actor) as uow:
            admin = self.policy.account_admin(uow, self.directory, self.identity)
            return await getattr(admin, method)(**kw)
