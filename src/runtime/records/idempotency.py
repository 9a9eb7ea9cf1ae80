"""Idempotency keys of creates: what identifies a request, and what its claim found.

A create with an `Idempotency-Key` claims the key first (`RecordRepository.claim`),
so the same key and body get the first answer and another body is refused.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from yiwang.metadata.documents.hashing import canonical_json
from yiwang.runtime.records.views import Created


@dataclass(frozen=True)
class Claimed:
    """A claimed id, the first answer when the key was used before, the watched version."""

    record_id: int
    replay: Created | None
    watched: int | None


def request_hash(route: str, body: Any) -> str:
    """What identifies a request for its idempotency key: the route and the canonical body."""
    return hashlib.sha256(canonical_json({"route": route, "body": body})).hexdigest()
