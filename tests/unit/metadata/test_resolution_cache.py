"""The in-process resolution cache: keyed by tenant and versions, bounded, invalidatable."""

from __future__ import annotations

import pytest

from yiwang.metadata.resolution.memo import ResolutionCache
from yiwang.metadata.resolution.resolve import EffectiveModel

from .conftest import PROVINCE


def test_hit_after_miss_and_new_versions_miss(effective: dict[str, EffectiveModel]) -> None:
    cache = ResolutionCache()
    model = effective["620102"]
    calls: list[int] = []

    def resolve() -> EffectiveModel:
        calls.append(1)
        return model

    assert cache.get_or_resolve("620102", model.versions, resolve) is model
    assert cache.get_or_resolve("620102", model.versions, resolve) is model
    assert len(calls) == 1 and (cache.hits, cache.misses) == (1, 1)
    assert cache.get("620102", (*model.versions[:-1], "another")) is None
    assert cache.get("620103", model.versions) is None


def test_least_recently_used_is_evicted(effective: dict[str, EffectiveModel]) -> None:
    cache = ResolutionCache(max_entries=2)
    for code in (PROVINCE, "620100", "620102"):
        cache.put(effective[code])
    assert len(cache) == 2
    assert cache.get(PROVINCE, effective[PROVINCE].versions) is None
    assert cache.get("620102", effective["620102"].versions) is effective["620102"]


def test_invalidate_one_tenant_or_all(effective: dict[str, EffectiveModel]) -> None:
    cache = ResolutionCache()
    for model in effective.values():
        cache.put(model)
    assert cache.invalidate("620102") == 1
    assert cache.get("620102", effective["620102"].versions) is None
    assert cache.invalidate() == len(effective) - 1 and len(cache) == 0


def test_a_resolver_returning_other_versions_is_refused(
    effective: dict[str, EffectiveModel],
) -> None:
    cache = ResolutionCache()
    with pytest.raises(ValueError):
        cache.get_or_resolve("620102", ("stale",), lambda: effective["620102"])
    assert len(cache) == 0
