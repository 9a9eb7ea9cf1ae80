"""Seeding a platform with generated records: how many of each type each tenant gets,
and writing them in batches, one unit of work per batch, reporting progress.

A batch is its own transaction so that a long run is visible while it runs
(and a failure keeps what was written); a tenant's records are made by one
`TenantGenerator`, whose references (applications to service items,
evaluations to applications) stay within that tenant.

Of a type the generator can plan copies of (`clone_plan`), only the first
`clone_pool` records are made and validated in Python; PostgreSQL makes the
rest, `CLONE_BATCH` per statement, from those stored records and the values the
plan drew (`RecordService.store_clones`), with `random()` seeded per batch from
the run's seed. Building and sending every record cost about 1 ms each; a
million took hours.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Final

from yiwang.metadata.versions.model_cache import ModelCache
from yiwang.platform.errors import NotFound
from yiwang.platform.tenant_context import TenantScope
from yiwang.platform.unit_of_work import UnitOfWork
from yiwang.runtime.records.privacy import PiiSeal
from yiwang.runtime.records.repository import RecordRepository
from yiwang.runtime.records.service import EffectiveIds, GeneratedRecord, RecordService
from yiwang.runtime.seeding.errors import NothingToSeed
from yiwang.runtime.seeding.generator import (
    DEFAULT_MIX,
    ORDER,
    RETURNED,
    ClonePlan,
    TenantGenerator,
)
from yiwang.runtime.seeding.values import Place
from yiwang.tenants.repository import DepartmentRepository
from yiwang.tenants.tree import TenantNode, TenantTree

#: records written per statement and per transaction
BATCH: Final = 2_000
#: generated records were created some time in this many days before the run
SPREAD_DAYS: Final = 365
#: records of a type made in Python before the database copies them, and copies per batch
CLONE_POOL: Final = 1_000
CLONE_BATCH: Final = 20_000

Units = Callable[[], AbstractAsyncContextManager[UnitOfWork]]
Progress = Callable[[str, int, int], None]


def split(total: int, parts: int) -> list[int]:
    """`total` as `parts` near-equal counts (the first ones one larger)."""
    base, extra = divmod(total, parts)
    return [base + (1 if i < extra else 0) for i in range(parts)]


def type_counts(total: int, mix: dict[str, int] = DEFAULT_MIX) -> dict[str, int]:
    """`total` split by `mix` (largest remainders), in the order records are made."""
    weight = sum(mix.values())
    exact = {k: total * w / weight for k, w in mix.items()}
    counts = {k: int(v) for k, v in exact.items()}
    short = total - sum(counts.values())
    for key in sorted(exact, key=lambda k: exact[k] - counts[k], reverse=True)[:short]:
        counts[key] += 1
    return {k: counts[k] for k in ORDER if counts.get(k)}


@dataclass(frozen=True)
class SeedResult:
    written: dict[str, int]
    tenants: int
    seconds: float


@dataclass
class Seeder:
    units: Units
    tree: TenantTree
    models: ModelCache
    seal: PiiSeal
    seed: int = 1
    progress: Progress | None = None
    clone_pool: int = CLONE_POOL
    clone_batch: int = CLONE_BATCH

    def targets(self, which: str) -> list[TenantNode]:
        """`all` (every tenant, the tree in order) or one tenant's code."""
        if which == "all":
            return sorted(self.tree.by_code.values(), key=lambda n: n.path)
        return [self.tree.node(which)]

    async def _place(self, node: TenantNode) -> Place | None:
        async with self.units() as uow:
            await uow.use_scope(TenantScope.single(node.id))
            try:
                await self.models.effective(uow.session, self.tree, node.code)
            except NotFound:
                return None
            departments = await DepartmentRepository(uow.session).for_tenant(node.id)
        below = tuple(n.code for n in self.tree.descendants(node.code) if n.code != node.code)
        return Place(
            node.code, node.name, tuple((d.key, d.name) for d in departments), (node.code, *below)
        )

    async def run(self, records: int, which: str = "all") -> SeedResult:
        started = datetime.now(UTC)
        nodes = self.targets(which)
        places = [(n, p) for n in nodes if (p := await self._place(n)) is not None]
        if not places:
            raise NothingToSeed("seeding.no_model", tenants=which)
        written: dict[str, int] = {}
        done = 0
        effective_ids = EffectiveIds()
        for (node, place), share in zip(places, split(records, len(places)), strict=True):
            async with self.units() as uow:
                await uow.use_scope(TenantScope.single(node.id))
                model = await self.models.effective(uow.session, self.tree, node.code)
            generator = TenantGenerator(model, place, seed=self.seed * 100_003 + node.id)
            rng = random.Random(self.seed + node.id)
            carry = 0  # what a capped type could not hold goes to the next type
            for type_key, share_of_type in type_counts(share).items():
                count, before = share_of_type + carry, done
                copied = count > self.clone_pool and generator.copyable(type_key)
                made_here = min(count, self.clone_pool) if copied else count
                ids = await self._ids(made_here)
                pool_ids: list[int] = []
                batch: list[GeneratedRecord] = []
                for record_id, made in generator.make(type_key, made_here, ids):
                    moment = started - timedelta(seconds=rng.randrange(SPREAD_DAYS * 86_400))
                    pool_ids.append(record_id)
                    batch.append(
                        GeneratedRecord(
                            record_id,
                            made.data,
                            made.department,
                            made.form_key,
                            made.form,
                            moment.isoformat(),
                        )
                    )
                    if len(batch) >= BATCH:
                        done += await self._write(node, type_key, batch, effective_ids)
                        written[type_key] = written.get(type_key, 0) + len(batch)
                        batch = []
                        self._report(node.code, done, records)
                if batch:
                    done += await self._write(node, type_key, batch, effective_ids)
                    written[type_key] = written.get(type_key, 0) + len(batch)
                    self._report(node.code, done, records)
                plan = generator.clone_plan(type_key) if copied else None
                if plan is None or not pool_ids:
                    carry = count - (done - before)
                    continue
                left, index = count - made_here, 0
                while left > 0:
                    n = min(self.clone_batch, left)
                    copies = await self._copy(
                        node, type_key, generator, plan, pool_ids, n, index, started, effective_ids
                    )
                    generator.remember_copies(type_key, copies)
                    done += len(copies)
                    written[type_key] = written.get(type_key, 0) + len(copies)
                    left, index = left - n, index + 1
                    self._report(node.code, done, records)
                carry = count - (done - before)
        async with self.units() as uow:
            await uow.audit(
                action="records.seed",
                object_type="records",
                object_id=which,
                detail={"written": written, "tenants": len(places), "seed": self.seed},
            )
        seconds = (datetime.now(UTC) - started).total_seconds()
        return SeedResult(written, len(places), seconds)

    async def _ids(self, count: int) -> Iterator[int]:
        found: list[int] = []
        async with self.units() as uow:
            repo = RecordRepository(uow.session)
            while len(found) < count:
                found += await repo.next_ids(min(100_000, count - len(found)))
        return iter(found)

    async def _write(
        self,
        node: TenantNode,
        type_key: str,
        batch: list[GeneratedRecord],
        effective_ids: EffectiveIds,
    ) -> int:
        async with self.units() as uow:
            await uow.use_scope(TenantScope.single(node.id))
            service = RecordService(uow, self.tree, self.models, self.seal, effective_ids)
            return await service.store_generated(type_key, batch)

    async def _copy(
        self,
        node: TenantNode,
        type_key: str,
        generator: TenantGenerator,
        plan: ClonePlan,
        pool_ids: list[int],
        count: int,
        index: int,
        now: datetime,
        effective_ids: EffectiveIds,
    ) -> list[tuple[int, str | None]]:
        """One batch of copies, in its own unit of work; `random()` seeded by the run's
        seed, the tenant, the type and the batch's index (the same seed, the same rows)."""
        unique = {k: generator.unique_values(type_key, k, count) for k in plan.unique}
        draw = random.Random(f"{self.seed}:{node.code}:{type_key}:{index}").random()
        async with self.units() as uow:
            await uow.use_scope(TenantScope.single(node.id))
            service = RecordService(uow, self.tree, self.models, self.seal, effective_ids)
            return await service.store_clones(
                type_key,
                pool_ids,
                count,
                mixed=plan.mixed,
                unique=unique,
                always=plan.always,
                now=now,
                spread_seconds=SPREAD_DAYS * 86_400,
                seed=draw * 2 - 1,
                returned=RETURNED.get(type_key),
            )

    def _report(self, code: str, done: int, total: int) -> None:
        if self.progress is not None:
            self.progress(code, done, total)
