"""In-process cache of effective models, keyed by tenant and version hashes.

The key names every version that went into a model (base, then each
overlay), so a publish anywhere up the tree changes the key and a stale model
is never served; invalidation only frees memory. The Redis tier and its
pub/sub fan-out sit in front of this one and are optional.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from threading import Lock

from yiwang.metadata.resolution.resolve import EffectiveModel

CacheKey = tuple[str, tuple[str, ...]]


class ResolutionCache:
    """A bounded LRU of `EffectiveModel`s; safe to share between threads."""

    def __init__(self, max_entries: int = 256) -> None:
        self.max_entries = max_entries
        self._entries: OrderedDict[CacheKey, EffectiveModel] = OrderedDict()
        self._lock = Lock()
        self.hits = 0
        self.misses = 0

    def get(self, tenant: str, versions: tuple[str, ...]) -> EffectiveModel | None:
        key = (tenant, versions)
        with self._lock:
            model = self._entries.get(key)
            if model is None:
                self.misses += 1
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            return model

    def put(self, model: EffectiveModel) -> None:
        key = (model.tenant, model.versions)
        with self._lock:
            self._entries[key] = model
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def get_or_resolve(
        self, tenant: str, versions: tuple[str, ...], resolve: Callable[[], EffectiveModel]
    ) -> EffectiveModel:
        """The cached model for these versions, resolving (outside the lock) on a miss."""
        model = self.get(tenant, versions)
        if model is None:
            model = resolve()
            if model.versions != versions or model.tenant != tenant:
                raise ValueError("resolved model does not match the requested versions")
            self.put(model)
        return model

    def invalidate(self, tenant: str | None = None) -> int:
        """Forget one tenant's models (or all); returns how many were dropped."""
        with self._lock:
            keys = [k for k in self._entries if tenant is None or k[0] == tenant]
            for key in keys:
                del self._entries[key]
            return len(keys)

    def __len__(self) -> int:
        return len(self._entries)
