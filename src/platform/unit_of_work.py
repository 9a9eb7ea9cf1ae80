"""One unit of work: a session in one transaction, in one tenant scope, for one actor.

Every change enters the platform through a unit of work, whichever door it
came through: an API request (the guard decides the scope), a command line
(`cli:<os user>`) or a background job (`system:<job>`). Services take the unit
of work and never open transactions of their own, so the row-level-security
scope the guard decided is the scope every statement runs in.

The transaction begins with the unit's first statement, not before: a public
page served from memory costs the database nothing, and the session sets the
scope in the same breath as the transaction begins (`ScopedSession`), so no
statement of the unit ever runs outside it.

The unit's audit records (`audit`) are buffered and appended in one call as
its last statement, sent with the COMMIT in one round trip
(`audit.closing`): the chain's lock serialises every writer of the deployment
until its commit, so it is taken as late as possible and held for no round
trip of its own. A unit may end with one more statement in that round trip
(`close_with`: an application's case, whose counter row queues the tenant's
other applications), its audit record's object read on the server.

Two things happen outside the transaction, and each says so by name:
- `after_commit` hooks run once the transaction has committed (announcing a
  new version to other workers must not precede the data it announces);
- `independent()` is a second, short transaction that commits at once, for
  records that must survive the unit's rollback: the audit record of a
  refused change.
"""

from __future__ import annotations

import getpass
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from typing import Any

import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session

from yiwang.platform import audit
from yiwang.platform.actors import account_actor, job_actor
from yiwang.platform.audit.closing import append_and_commit, statement_append_and_commit
from yiwang.platform.database import PENDING_SCOPE_KEY
from yiwang.platform.driver_sql import DriverStatement
from yiwang.platform.tenant_context import TenantScope, apply_scope

log = structlog.get_logger(__name__)

#: who acted, as audit records name them: a person's login, a job, or the command line
ANONYMOUS = "anonymous"


def person(login: str) -> str:
    return login or ANONYMOUS


def job(name: str) -> str:
    return job_actor(name)


def command_line() -> str:
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "unknown"
    return f"cli:{user}"


AfterCommit = Callable[[], Awaitable[None]]


class UnitOfWork:
    def __init__(
        self,
        factory: async_sessionmaker[AsyncSession],
        *,
        actor: str,
        scope: TenantScope | None,
        account_id: int | None = None,
    ) -> None:
        self._factory = factory
        self._session: AsyncSession | None = None
        self.actor = actor
        self.scope = scope
        #: the signed-in account, when a person acts: what owns their idempotency keys and
        #: their cases (a citizen's login, the audit actor, is a masked phone two can share)
        self.account_id = account_id
        self._after_commit: list[AfterCommit] = []
        self._audits: list[dict[str, Any]] = []

    @property
    def session(self) -> AsyncSession:
        """The unit's session; its transaction begins with the first statement."""
        if self._session is None:
            self._session = self._factory()
            self._session.info[PENDING_SCOPE_KEY] = self.scope
        return self._session

    async def use_scope(self, scope: TenantScope) -> None:
        """Run the rest of the unit in `scope` (a public page of one tenant, onboarding)."""
        self.scope = scope
        if self._session is not None:
            self._session.info[PENDING_SCOPE_KEY] = scope
            if self._session.in_transaction():
                await apply_scope(self._session, scope)

    @property
    def owner(self) -> str:
        """Who owns what this unit creates for its caller: the account, else the actor."""
        return account_actor(self.account_id) if self.account_id is not None else self.actor

    def after_commit(self, hook: AfterCommit) -> None:
        """Run `hook` once the transaction has committed; never if it rolls back."""
        if hook not in self._after_commit:
            self._after_commit.append(hook)

    @asynccontextmanager
    async def independent(self, scope: TenantScope | None = None) -> AsyncIterator[AsyncSession]:
        """A transaction of its own that commits at once, whatever becomes of this unit."""
        async with self._factory() as session:
            session.info[PENDING_SCOPE_KEY] = scope
            async with session.begin():
                yield session

    @asynccontextmanager
    async def savepoint(self) -> AsyncIterator[None]:
        """A part of the unit that leaves no trace if it raises: its statements roll back to
        a savepoint, and the audit records and after-commit hooks it buffered are dropped
        with them (a page that answers a refusal goes on to commit the rest of the unit)."""
        audits, hooks = len(self._audits), len(self._after_commit)
        try:
            async with self.session.begin_nested():
                yield
        except BaseException:
            del self._audits[audits:]
            del self._after_commit[hooks:]
            raise

    async def audit(self, **record: Any) -> None:
        """Audit a change of this unit, naming its actor: appended with the unit's other
        records as its last statement before COMMIT, and never if it rolls back."""
        self._audits.append(audit.entry(actor=self.actor, **record))

    async def audit_refusal(self, *, actor: str | None = None, **record: Any) -> None:
        """Audit a refused change in an independent transaction: the unit is rolling back.

        The record names the unit's actor, or `actor` when the attempt claims to be
        someone the unit cannot vouch for yet (a sign-in names the login it tried).
        """
        async with self.independent() as session:
            await audit.record(session, actor=actor or self.actor, outcome="failure", **record)

    async def close_with(
        self, statement: DriverStatement, params: Mapping[str, Any], **record: Any
    ) -> list[dict[str, Any]] | None:
        """End the unit with `statement`: it, the unit's audit records with one more and the
        COMMIT in one round trip (`audit.closing.statement_append_and_commit`); its rows.

        The record `record` (as `audit` takes it) names as its object what the statement
        noted in `audit.closing.NOTED`, read on the server: the statement's locks are held
        for no round trip and no client work. The unit is then committed and its connection
        returned; its after-commit hooks run when it ends, as usual. A failing statement is
        raised (SQLAlchemy's error), nothing appended, and the unit rolls back as it ends.

        None, with nothing sent and nothing buffered, when this way does not apply (see
        `statement_append_and_commit`): the caller runs the statement and audits as usual.
        """
        entries = [*self._audits, audit.entry(actor=self.actor, **record)]
        rows = await statement_append_and_commit(
            self.session, statement, params, entries, len(entries) - 1
        )
        if rows is None:
            return None
        self._audits = []
        await self.session.run_sync(_finish, True)
        return rows

    async def _end(self, *, commit: bool) -> None:
        """Commit or roll back, if a statement ever began the transaction (a session that
        never touched the database holds no connection: ending it would cost a greenlet)."""
        if commit and self._audits:
            entries, self._audits = self._audits, []
            try:
                if not await append_and_commit(self.session, entries):
                    await audit.record_many(self.session, entries)
            except BaseException:
                await self._end(commit=False)
                raise
        self._audits = []
        session = self._session
        if session is None or not session.in_transaction():
            return
        await session.run_sync(_finish, commit)  # one greenlet for both, not one each

    async def _committed(self) -> None:
        for hook in self._after_commit:
            try:
                await hook()
            except (
                Exception
            ):  # the change is committed; a late announcement is caught up by polling
                log.warning("after_commit_failed", hook=getattr(hook, "__qualname__", repr(hook)))


def _finish(session: Session, commit: bool) -> None:
    """Commit or roll back `session`, then close it (returning its connection)."""
    try:
        session.commit() if commit else session.rollback()
    finally:
        session.close()


@asynccontextmanager
async def unit_of_work(
    factory: async_sessionmaker[AsyncSession],
    *,
    actor: str,
    scope: TenantScope | None = None,
    account_id: int | None = None,
) -> AsyncIterator[UnitOfWork]:
    """Begin a unit; it commits when the block ends normally and rolls back otherwise."""
    uow = UnitOfWork(factory, actor=actor, scope=scope, account_id=account_id)
    try:
        yield uow
    except BaseException:
        await uow._end(commit=False)
        raise
    await uow._end(commit=True)
    await uow._committed()
