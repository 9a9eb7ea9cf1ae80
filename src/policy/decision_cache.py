"""Cached decisions, keyed by the policy version they were made under.

The version is part of every key, not merely a reason to clear the cache: a
decision computed by the old engine while a worker swaps in the new one can
only ever be stored under the old version, so it is never served for the new
policy. Eviction is first-in-first-out over a bounded dict, which keeps a hit
at the cost of one dict lookup.
"""

from __future__ import annotations

from yiwang.policy.enforcer import Decision

#: (policy version, subject, domain, object, action)
DecisionKey = tuple[int, str, str, str, str]


class DecisionCache:
    def __init__(self, max_entries: int = 200_000) -> None:
        self._entries: dict[DecisionKey, Decision] = {}
        self.max_entries = max_entries
        self.hits = 0
        self.misses = 0

    def get(self, key: DecisionKey) -> Decision | None:
        found = self._entries.get(key)
        if found is None:
            self.misses += 1
        else:
            self.hits += 1
        return found

    def put(self, key: DecisionKey, decision: Decision) -> None:
        if len(self._entries) >= self.max_entries:
            del self._entries[next(iter(self._entries))]
        self._entries[key] = decision

    def forget_before(self, version: int) -> None:
        """Drop entries of older versions (they can no longer be hit)."""
        self._entries = {k: v for k, v in self._entries.items() if k[0] >= version}

    def __len__(self) -> int:
        return len(self._entries)
