"""This worker's view of the record set versions, and the writer's side of them.

A writer adds one to the counters of the sets it changed, in its own transaction
(`touched`), and after commit takes the new versions here and announces them on
`CHANNEL`. A reader asks `current` (its tenants' counters from PostgreSQL, at most every
`poll_seconds` per tenant, the listener started on first use) and then `of`: the versions a
cached answer is keyed by. Counters only grow, so a version heard late or read
twice is harmless: the larger one wins.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Iterable, Mapping
from typing import Final

import structlog

from yiwang.platform.cache import Cache, stop_task, subscribe_forever
from yiwang.platform.unit_of_work import UnitOfWork
from yiwang.runtime.record_sets.repository import Key, RecordSetRepository

log = structlog.get_logger(__name__)

CHANNEL: Final = "yiwang:record_sets:changed"


def encode(versions: Mapping[Key, int]) -> str:
    """`tenant:type:version` for each set, comma-separated (type keys hold neither)."""
    return ",".join(f"{t}:{k}:{v}" for (t, k), v in sorted(versions.items()))


def decode(message: str) -> dict[Key, int]:
    """The versions of a message; a malformed part is skipped."""
    found: dict[Key, int] = {}
    for part in message.split(","):
        tenant, _, rest = part.partition(":")
        type_key, _, version = rest.rpartition(":")
        with contextlib.suppress(ValueError):
            if type_key:
                found[(int(tenant), type_key)] = int(version)
    return found


class RecordSetVersions:
    """The versions this worker knows, kept current by announcements and polling."""

    def __init__(self, cache: Cache | None, *, poll_seconds: float = 1.0) -> None:
        self.cache = cache
        self.poll_seconds = poll_seconds
        self._versions: dict[Key, int] = {}
        #: when each tenant's counters were last read from PostgreSQL
        self._checked_at: dict[int, float] = {}
        self._task: asyncio.Task[None] | None = None

    # --- reading ------------------------------------------------------------------

    def fresh(self, tenant_ids: Iterable[int]) -> bool:
        """Whether these tenants' counters were read within `poll_seconds`."""
        now = time.monotonic()
        checked = self._checked_at
        return all(now - checked.get(t, float("-inf")) < self.poll_seconds for t in tenant_ids)

    async def current(self, uow: UnitOfWork, tenant_ids: Iterable[int]) -> None:
        """Read these tenants' counters if their last read is older than `poll_seconds`
        (in the unit's scope, which must see them; no session is opened otherwise)."""
        self._start()
        now = time.monotonic()
        stale = [
            t
            for t in tenant_ids
            if now - self._checked_at.get(t, float("-inf")) >= self.poll_seconds
        ]
        if not stale:
            return
        # taken before the read, so the requests meanwhile use memory, not a read each
        before = {t: self._checked_at.get(t, float("-inf")) for t in stale}
        self._checked_at.update(dict.fromkeys(stale, now))
        try:
            found = await RecordSetRepository(uow.session).of(stale)
        except BaseException:
            self._checked_at.update(before)
            raise
        for key, version in found.items():
            self.note(key, version)

    def of(self, tenant_ids: Iterable[int], type_key: str) -> tuple[int, ...]:
        """The versions of `type_key`'s sets in these tenants, in their order (0: never
        written since the counters began)."""
        return tuple(self._versions.get((t, type_key), 0) for t in tenant_ids)

    def note(self, key: Key, version: int) -> None:
        if version > self._versions.get(key, 0):
            self._versions[key] = version

    # --- writing ------------------------------------------------------------------

    async def touched(self, uow: UnitOfWork, keys: Iterable[Key]) -> None:
        """The unit changed records of these sets: count it in its transaction, and
        announce the new versions once it has committed."""
        versions = await RecordSetRepository(uow.session).bump(keys)
        if not versions:
            return

        async def announce() -> None:
            await self.announce(versions)

        uow.after_commit(announce)

    async def announce(self, versions: Mapping[Key, int]) -> None:
        for key, version in versions.items():
            self.note(key, version)
        if self.cache is not None:
            await self.cache.publish(CHANNEL, encode(versions))

    # --- listening ----------------------------------------------------------------

    def _start(self) -> None:
        if self.cache is not None and self._task is None:
            self._task = asyncio.create_task(self._listen(), name="record-sets-listen")

    async def stop(self) -> None:
        await stop_task(self._task)
        self._task = None

    async def _listen(self) -> None:
        assert self.cache is not None
        await subscribe_forever(self.cache.client, CHANNEL, self._on_message)

    def _on_message(self, data: bytes) -> None:
        for key, version in decode(data.decode("ascii", "replace")).items():
            self.note(key, version)
