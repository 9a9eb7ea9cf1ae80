"""Effective models across workers: in-process first, then Redis, then PostgreSQL.

Three things are cached, each keyed so that a stale entry is never served:
- the published content of a version, by (tenant id, version id): immutable;
- a tenant's chain (which version of itself and of each ancestor is current),
  by the publish generation: `yiwang:metadata:chain:<generation>:<code>`;
- the effective model, in process only, by (tenant, version hashes).

Every publish or rollback bumps `metadata_state.generation` in its own
transaction, then announces the new generation on a Redis channel; workers
drop their chains when they hear it. A worker that missed the message (Redis
restarting, a reconnect) still reads the generation from PostgreSQL at most
`poll_seconds` later, so it is correct without Redis, only later.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections import OrderedDict
from dataclasses import asdict, dataclass
from typing import Any

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from yiwang.metadata.documents.shapes import Model, Overlay
from yiwang.metadata.resolution.memo import ResolutionCache
from yiwang.metadata.resolution.resolve import EffectiveModel, Layer, resolve
from yiwang.metadata.versions.repository import MetadataRepository, published_scope
from yiwang.platform.cache import Cache, cache_key, stop_task, subscribe_forever
from yiwang.platform.errors import NotFound
from yiwang.platform.unit_of_work import UnitOfWork
from yiwang.tenants.tree import TenantTree

log = structlog.get_logger(__name__)

CHANNEL = "yiwang:metadata:changed"
#: published content never changes; keep it a day in Redis, refreshed on use
CONTENT_TTL_SECONDS = 86_400.0
CHAIN_TTL_SECONDS = 3_600.0


@dataclass(frozen=True)
class VersionRef:
    """A tenant's current published version, as a link of a chain."""

    tenant: str
    tenant_id: int
    version_id: int
    number: int
    kind: str
    content_hash: str

    def as_dict(self) -> dict[str, Any]:
        return {"tenant": self.tenant, "version": self.version_id, "hash": self.content_hash}


Chain = tuple[VersionRef, ...]


class ModelCache:
    """Resolves and caches effective models for the tenants of one deployment."""

    def __init__(
        self,
        cache: Cache | None = None,
        *,
        poll_seconds: float = 1.0,
        max_models: int = 256,
        max_contents: int = 1024,
    ) -> None:
        self.cache = cache
        self.poll_seconds = poll_seconds
        self.models = ResolutionCache(max_models)
        self._chains: dict[str, Chain] = {}
        self._contents: OrderedDict[tuple[int, int], dict[str, Any]] = OrderedDict()
        self._max_contents = max_contents
        #: the publish generation this worker knows (from a sequence: a number never comes
        #: back), so an answer kept by it never outlives a publish that brings a hash back
        self.generation = 0
        self._checked_at = float("-inf")
        self._task: asyncio.Task[None] | None = None

    # --- generation -------------------------------------------------------

    def note_generation(self, generation: int) -> None:
        """A newer generation makes every chain stale; models and contents stay valid.

        An older one is news no longer: a publisher whose announcement overtook another's,
        or a poll whose read began before a commit it returned after. Going back to it
        would serve the chains kept under it, the model before the newer publish."""
        if generation > self.generation:
            self._chains.clear()
            self.generation = generation

    async def _check_generation(self, session: AsyncSession) -> None:
        now = time.monotonic()
        if now - self._checked_at < self.poll_seconds:
            return
        self._checked_at = now
        self.note_generation(await MetadataRepository(session).generation())

    async def announce(self, generation: int) -> None:
        """After committing a publish: use the new generation here, tell the other workers."""
        self.note_generation(generation)
        self._checked_at = time.monotonic()
        if self.cache is not None:
            await self.cache.publish(CHANNEL, str(generation))

    # --- chains and contents -----------------------------------------------

    async def chain(self, session: AsyncSession, tree: TenantTree, code: str) -> Chain:
        """The current versions behind `code`'s model, base first."""
        await self._check_generation(session)
        found = self._chains.get(code)
        if found is not None:
            return found
        key = cache_key("metadata", "chain", self.generation, code)
        raw = await self.cache.get(key) if self.cache is not None else None
        if raw is not None:
            chain = tuple(VersionRef(**item) for item in json.loads(raw))
        else:
            chain = await self._load_chain(session, tree, code)
            if self.cache is not None:
                payload = json.dumps([asdict(ref) for ref in chain])
                await self.cache.set(key, payload, ttl=CHAIN_TTL_SECONDS)
        self._chains[code] = chain
        return chain

    async def _load_chain(self, session: AsyncSession, tree: TenantTree, code: str) -> Chain:
        nodes = tree.chain(code)
        target = nodes[-1]
        async with published_scope(session, target.id, [n.id for n in nodes]):
            current = await MetadataRepository(session).current_of([n.id for n in nodes])
        if nodes[0].id not in current or current[nodes[0].id].kind != "base":
            raise NotFound("metadata.base.missing", tenant=nodes[0].code)
        return tuple(
            VersionRef(
                node.code,
                node.id,
                current[node.id].id,
                current[node.id].number,
                current[node.id].kind,
                current[node.id].content_hash,
            )
            for node in nodes
            if node.id in current
        )

    async def content(
        self, session: AsyncSession, ref: VersionRef, acting_tenant_id: int
    ) -> dict[str, Any]:
        """The published content of one version (immutable, so cached without expiry)."""
        local_key = (ref.tenant_id, ref.version_id)
        found = self._contents.get(local_key)
        if found is not None:
            self._contents.move_to_end(local_key)
            return found
        key = cache_key("metadata", "version", ref.tenant_id, ref.version_id, ref.content_hash)
        raw = await self.cache.get(key) if self.cache is not None else None
        if raw is not None:
            content: dict[str, Any] = json.loads(raw)
        else:
            async with published_scope(session, acting_tenant_id, [ref.tenant_id]):
                version = await MetadataRepository(session).version(ref.tenant_id, ref.version_id)
            if version is None:
                raise NotFound("metadata.version.not_found", tenant=ref.tenant)
            content = version.content
            if self.cache is not None:
                await self.cache.set(
                    key, json.dumps(content, ensure_ascii=False), ttl=CONTENT_TTL_SECONDS
                )
        self._contents[local_key] = content
        while len(self._contents) > self._max_contents:
            self._contents.popitem(last=False)
        return content

    # --- effective models ---------------------------------------------------

    def held(self, code: str) -> EffectiveModel | None:
        """`code`'s model if serving it needs no database: the generation was checked within
        the poll interval, and the chain and the model are in memory."""
        if time.monotonic() - self._checked_at >= self.poll_seconds:
            return None
        chain = self._chains.get(code)
        if chain is None:
            return None
        return self.models.get(code, tuple(ref.content_hash for ref in chain))

    async def served(self, uow: UnitOfWork, tree: TenantTree, code: str) -> EffectiveModel:
        """`code`'s model from memory when it is `held` (no session opened), else
        `effective` in the unit's session."""
        held = self.held(code)
        if held is not None:
            return held
        return await self.effective(uow.session, tree, code)

    async def effective(self, session: AsyncSession, tree: TenantTree, code: str) -> EffectiveModel:
        """`code`'s effective model, resolved once per set of published versions."""
        chain = await self.chain(session, tree, code)
        versions = tuple(ref.content_hash for ref in chain)
        model = self.models.get(code, versions)
        if model is not None:
            return model
        acting = tree.node(code).id
        contents = [await self.content(session, ref, acting) for ref in chain]
        model = resolve_chain(code, chain, contents)
        self.models.put(model)
        return model

    # --- listening ----------------------------------------------------------

    async def start(self) -> None:
        """Listen for other workers' announcements (no-op without Redis)."""
        if self.cache is not None and self._task is None:
            self._task = asyncio.create_task(self._listen(), name="metadata-listen")

    async def stop(self) -> None:
        await stop_task(self._task)
        self._task = None

    async def _listen(self) -> None:
        assert self.cache is not None
        await subscribe_forever(self.cache.client, CHANNEL, self._on_message)

    def _on_message(self, data: bytes) -> None:
        with contextlib.suppress(ValueError):
            self.note_generation(int(data))


def resolve_chain(code: str, chain: Chain, contents: list[dict[str, Any]]) -> EffectiveModel:
    """Resolve from published contents: the first is the base, the rest overlays."""
    base = Layer(chain[0].tenant, chain[0].content_hash, Model.from_json(contents[0]))
    overlays = [
        Overlay(ref.tenant, body, ref.content_hash)
        for ref, body in zip(chain[1:], contents[1:], strict=True)
    ]
    return resolve(code, base, overlays)
