"""Anchoring the chain: take a checkpoint of its head, and check the chain against one.

The chain alone proves only that its rows agree with each other. A superuser
who deletes the newest rows leaves a shorter chain that agrees; one who edits
a row and recomputes every later hash leaves a different chain that agrees.
A checkpoint signed outside the database catches both: the head must reach
the checkpoint's sequence number ("truncated" otherwise), and the row there
must still have the checkpoint's hash ("rewritten" otherwise). Rows after the
last checkpoint are protected only by the chain, so checkpoints are taken at
intervals (`YIWANG_AUDIT_CHECKPOINT_SECONDS`) as well as on demand.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Final

import structlog
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from yiwang.platform.audit.checkpoints import (
    Checkpoint,
    is_genuine,
    load_signing_key,
    load_verify_key,
    public_path,
    sign,
)
from yiwang.platform.audit.stores import CheckpointStore
from yiwang.platform.audit.trail import ChainProblem, record, verify_chain
from yiwang.platform.settings import Settings

log = structlog.get_logger(__name__)

#: one checkpoint at a time across workers (pg_try_advisory_xact_lock)
CHECKPOINT_LOCK: Final = 7391002


@dataclass(frozen=True)
class Verdict:
    problems: list[ChainProblem]
    checkpoint: Checkpoint | None
    head: int | None

    @property
    def intact(self) -> bool:
        return not self.problems


def signing_key(settings: Settings) -> Ed25519PrivateKey:
    """Development makes its own key on first use; production must be given one."""
    return load_signing_key(settings.audit_signing_key, create=not settings.production)


def verify_key(settings: Settings) -> Ed25519PublicKey:
    if settings.audit_verify_key is not None:
        return load_verify_key(settings.audit_verify_key)
    derived = public_path(settings.audit_signing_key)
    if derived.is_file():
        return load_verify_key(derived)
    return signing_key(settings).public_key()


async def head(session: AsyncSession) -> tuple[int, bytes] | None:
    row = (await session.execute(text("SELECT seq, hash FROM yiwang_audit_head()"))).first()
    return (int(row[0]), bytes(row[1])) if row is not None and row[0] is not None else None


async def hash_at(session: AsyncSession, seq: int) -> bytes | None:
    value = await session.scalar(text("SELECT yiwang_audit_hash_at(:s)"), {"s": seq})
    return bytes(value) if value is not None else None


async def take_checkpoint(
    sessions: async_sessionmaker[AsyncSession],
    key: Ed25519PrivateKey,
    store: CheckpointStore,
    *,
    actor: str = "system",
) -> Checkpoint | None:
    """Sign the current head and store it; None when the chain is empty or another worker
    is taking one at this moment. The checkpoint is itself recorded in the chain."""
    async with sessions() as session, session.begin():
        got_lock = await session.scalar(
            text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": CHECKPOINT_LOCK}
        )
        if not got_lock:
            return None
        current = await head(session)
        if current is None:
            return None
        checkpoint = sign(key, current[0], current[1])
        await store.write(checkpoint)
        await record(
            session,
            actor=actor,
            action="audit.checkpoint",
            object_type="audit_log",
            object_id=str(checkpoint.seq),
            detail={"store": store.name, "key_id": checkpoint.key_id, "hash": checkpoint.hash},
        )
    return checkpoint


async def check_against(
    session: AsyncSession, checkpoint: Checkpoint, key: Ed25519PublicKey
) -> list[ChainProblem]:
    if not is_genuine(checkpoint, key):
        return [ChainProblem(checkpoint.seq, "signature")]
    current = await head(session)
    if current is None or current[0] < checkpoint.seq:
        return [ChainProblem(checkpoint.seq, "truncated")]
    found = await hash_at(session, checkpoint.seq)
    if found is None or found.hex() != checkpoint.hash:
        return [ChainProblem(checkpoint.seq, "rewritten")]
    return []


async def verify(
    sessions: async_sessionmaker[AsyncSession],
    key: Ed25519PublicKey | None,
    checkpoint: Checkpoint | None,
) -> Verdict:
    """The whole chain recomputed, then held against `checkpoint` when there is one
    (which needs the verify `key`)."""
    async with sessions() as session:
        problems = await verify_chain(session)
        if checkpoint is not None and key is not None:
            problems += await check_against(session, checkpoint, key)
        current = await head(session)
    return Verdict(problems, checkpoint, current[0] if current else None)


class CheckpointSchedule:
    """Takes a checkpoint every `seconds` while the app runs (the first after one interval)."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        settings: Settings,
        store: CheckpointStore,
    ) -> None:
        self.sessions = sessions
        self.settings = settings
        self.store = store
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        key = signing_key(self.settings)
        while True:
            await asyncio.sleep(self.settings.audit_checkpoint_seconds)
            try:
                taken = await take_checkpoint(self.sessions, key, self.store)
                if taken is not None:
                    log.info("audit_checkpoint", seq=taken.seq, store=self.store.name)
            except Exception as exc:  # a failed checkpoint must not stop the next one
                log.error(
                    "audit_checkpoint_failed", error=type(exc).__name__, detail=str(exc)[:200]
                )

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        if self.settings.audit_checkpoint_seconds > 0:
            self._task = asyncio.create_task(self._run(), name="audit-checkpoints")
        try:
            yield
        finally:
            if self._task is not None:
                self._task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await self._task
