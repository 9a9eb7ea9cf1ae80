"""What changed on a person's cases since they last looked: pure.

When a person last looked at each case is kept in their browser, in the
`yiwang_seen` cookie (`number.milliseconds` pairs, the newest `SEEN_MAX`): nothing is
written for a page view, and a change is anything on the case's timeline that
someone else did after that (the applicant's own steps are no news to them).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Final

SEEN_COOKIE: Final = "yiwang_seen"
SEEN_MAX: Final = 40
#: a month: how long the browser keeps what was seen
SEEN_SECONDS: Final = 30 * 24 * 3600
_PAIR: Final = re.compile(r"^([0-9A-Za-z-]{1,40})\.([0-9]{1,15})$")


def _ms(at: datetime) -> int:
    return int(at.timestamp() * 1000)


def parse_seen(cookie: str | None) -> dict[str, int]:
    """Case number -> when it was last looked at (epoch milliseconds); a malformed pair is
    dropped."""
    seen: dict[str, int] = {}
    for pair in (cookie or "").split("~")[:SEEN_MAX]:
        if match := _PAIR.match(pair):
            seen[match.group(1)] = int(match.group(2))
    return seen


def with_seen(seen: Mapping[str, int], number: str, at: datetime) -> str:
    """The cookie value with `number` looked at `at` (the newest `SEEN_MAX` kept)."""
    updated = {k: v for k, v in seen.items() if k != number}
    updated[number] = _ms(at)
    newest = sorted(updated.items(), key=lambda kv: kv[1], reverse=True)[:SEEN_MAX]
    return "~".join(f"{k}.{v}" for k, v in newest if _PAIR.match(f"{k}.{v}"))


def is_new(at: datetime, actor: str | None, applicant: str, since: int | None) -> bool:
    """Whether an event is news to the applicant: someone else's, after they last looked."""
    return actor != applicant and (since is None or _ms(at) > since)


def changed(
    last_changes: Mapping[str, datetime], seen: Mapping[str, int], numbers: Iterable[str]
) -> set[str]:
    """Which of `numbers` changed (by someone else) after they were last looked at."""
    return {
        n
        for n in numbers
        if (at := last_changes.get(n)) is not None and (n not in seen or _ms(at) > seen[n])
    }
