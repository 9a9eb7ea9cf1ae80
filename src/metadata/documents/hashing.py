"""Canonical JSON, content hashes and cheap deep copies of JSON values.

A published version is identified by the hash of its canonical JSON (sorted
keys, no insignificant white space, UTF-8), so the same content always gets
the same hash whatever the order its author wrote it in.
"""

from __future__ import annotations

import hashlib
from typing import Any, TypeVar

import msgspec

T = TypeVar("T")

_sorted_encoder = msgspec.json.Encoder(order="sorted")
_encoder = msgspec.json.Encoder()
_decoder = msgspec.json.Decoder()


def canonical_json(value: Any) -> bytes:
    """Deterministic JSON bytes of a JSON value."""
    return _sorted_encoder.encode(value)


def content_hash(value: Any) -> str:
    """SHA-256 (hex) of the canonical JSON of `value`."""
    return hashlib.sha256(canonical_json(value)).hexdigest()


def json_copy(value: T) -> T:
    """A deep copy of a JSON value, many times faster than `copy.deepcopy`."""
    copied: T = _decoder.decode(_encoder.encode(value))
    return copied
