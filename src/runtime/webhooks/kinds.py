"""Which event kinds a subscriber may ask for, and whether an outbox row's kind is one.

Pure. A pattern is `case.*`, `deadline.*` or an exact kind (`case.accepted`,
`deadline.red`); the migration's fan-out trigger applies the same rule in SQL
(`=` or, for a pattern ending in `.*`, the prefix before the `*`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Final, get_args

from yiwang.runtime.routes.events import EventKind
from yiwang.runtime.webhooks.errors import WebhookInputInvalid

#: every kind the outbox holds: one per engine event, and the two deadline warnings
KNOWN_KINDS: Final = frozenset(
    {f"case.{k}" for k in get_args(EventKind)} | {"deadline.yellow", "deadline.red"}
)
FAMILIES: Final = frozenset({"case.*", "deadline.*"})
MAX_PATTERNS: Final = 50


def normalise_kinds(patterns: Sequence[str]) -> list[str]:
    """The patterns, checked, without duplicates, in the order given."""
    if not patterns:
        raise WebhookInputInvalid("webhooks.kinds_required", pointer="/kinds")
    if len(patterns) > MAX_PATTERNS:
        raise WebhookInputInvalid("webhooks.kinds_too_many", pointer="/kinds", max=MAX_PATTERNS)
    kept: list[str] = []
    for index, raw in enumerate(patterns):
        pattern = raw.strip()
        if pattern not in FAMILIES and pattern not in KNOWN_KINDS:
            raise WebhookInputInvalid(
                "webhooks.kind_unknown",
                pointer=f"/kinds/{index}",
                kind=pattern[:40],
                examples="case.accepted、case.decided、deadline.red",
            )
        if pattern not in kept:
            kept.append(pattern)
    return kept


def wants(patterns: Iterable[str], kind: str) -> bool:
    """True when one of `patterns` takes an outbox row of `kind`."""
    return any(kind == p or (p.endswith(".*") and kind.startswith(p[:-1])) for p in patterns)
