"""Answers kept by the versions they were built from: a bounded LRU per worker.

A key names everything an answer depends on (the effective model's hash and the
publish generation it was served at, the record set versions, the request's
parameters ...), so an entry is never stale: a newer version is a new key, and
the old entry ages out. The hash alone is not enough: it comes back when a model
is published A → B → A.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable
from typing import Generic, TypeVar

T = TypeVar("T")

#: entries per memo: a page is a few kilobytes, a list page a few dozen rows
MAX_ENTRIES = 2048


class VersionedMemo(Generic[T]):
    def __init__(self, max_entries: int = MAX_ENTRIES) -> None:
        self._entries: OrderedDict[Hashable, T] = OrderedDict()
        self.max_entries = max_entries

    def get(self, key: Hashable) -> T | None:
        found = self._entries.get(key)
        if found is not None:
            self._entries.move_to_end(key)
        return found

    def put(self, key: Hashable, value: T) -> None:
        self._entries[key] = value
        self._entries.move_to_end(key)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)

    def __len__(self) -> int:
        return len(self._entries)
