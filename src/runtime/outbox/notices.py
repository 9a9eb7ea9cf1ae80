"""Which outbox rows reach the applicant, in what words, and when a failed one is tried
again. Pure: an outbox row's kind and payload in, a notice (or none) out.

A case event's row (`case.<event kind>`) carries the engine's event; the
applicant hears of the steps that concern them (submitted, accepted or not,
补正, the decision, completion, withdrawal, revocation and change). Internal
events (tasks opening and closing, approvals inside a step) are delivered to
nobody and marked delivered at once. Deadline rows (`deadline.yellow`,
`deadline.red`) carry the number and the due day themselves.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Final

from yiwang.platform.i18n import translate

#: the case events an applicant is told of
APPLICANT_EVENTS: Final = frozenset(
    {
        "submitted",
        "accepted",
        "not_accepted",
        "supplement_requested",
        "resubmitted",
        "returned",
        "decided",
        "completed",
        "withdrawn",
        "revoked",
        "changed",
    }
)
#: between the items of a list in Chinese prose (顿号)
LIST_SEPARATOR: Final = "、"
#: the first retry waits this long, each further one twice as long, up to `BACKOFF_CAP`
BACKOFF_BASE: Final = timedelta(seconds=30)
BACKOFF_CAP: Final = timedelta(hours=1)
#: after this many failed attempts a row is no longer tried (it stays undelivered, with
#: its last error, for an operator to look at)
MAX_ATTEMPTS: Final = 12


@dataclass(frozen=True)
class Notice:
    code: str
    text: str


def notice_for(kind: str, payload: Mapping[str, Any]) -> Notice | None:
    """The applicant's notice for one outbox row, or None when it concerns nobody outside."""
    number = str(payload.get("number", ""))
    if kind.startswith("deadline."):
        code = f"outbox.notice.{kind}"
        return Notice(code, translate(code, number=number, due=str(payload.get("due", ""))))
    if not kind.startswith("case."):
        return None
    event: Mapping[str, Any] = payload.get("event") or {}
    name = kind.removeprefix("case.")
    if name not in APPLICANT_EVENTS:
        return None
    data: Mapping[str, Any] = event.get("data") or {}
    if name == "decided":
        outcome = "approved" if data.get("outcome") == "approved" else "refused"
        code = f"outbox.notice.decided.{outcome}"
        return Notice(code, translate(code, number=number, reasons=str(data.get("reasons", ""))))
    code = f"outbox.notice.{name}"
    missing = LIST_SEPARATOR.join(str(m) for m in data.get("missing", ()))
    reasons = str(event.get("comment") or data.get("reasons") or "")
    return Notice(code, translate(code, number=number, missing=missing, reasons=reasons))


def backoff(attempts: int) -> timedelta:
    """How long to wait after the `attempts`-th failure (1, 2, ...) before the next try."""
    if attempts < 1:
        return timedelta(0)
    wait: timedelta = BACKOFF_BASE * 2 ** min(attempts - 1, 20)
    return min(BACKOFF_CAP, wait)
