"""What a transition reports: events in order, each what a timeline row needs.

The storage layer writes every event to the case's timeline and to the
outbox in the transaction that stores the new state. `task_opened` events
carry the assignee (role, department, tenant) an inbox row needs; `clock`
says what the event did to the statutory clock, for the deadlines worker.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

import msgspec

from yiwang.runtime.routes.state import CaseState

EventKind = Literal[
    "submitted",
    "accepted",
    "not_accepted",
    "supplement_requested",
    "resubmitted",
    "step_opened",
    "step_skipped",
    "step_closed",
    "task_opened",
    "task_closed",
    "task_cancelled",
    "approved",
    "rejected",
    "returned",
    "transferred",
    "delegated",
    "withdrawn",
    "decided",
    "completed",
    "revoked",
    "changed",
]
#: started at submission; stopped by 补正 and special procedures; ended by the decision
ClockEffect = Literal["started", "stopped", "resumed", "ended"]


class Event(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """One line of the case's timeline."""

    kind: EventKind
    at: datetime
    actor: str | None
    step: str | None = None
    task: str | None = None
    comment: str = ""
    attachments: tuple[str, ...] = ()
    clock: ClockEffect | None = None
    #: kind-specific facts: outcome, reasons, legal_basis, missing, to, role, department ...
    data: dict[str, Any] = {}


@dataclass(frozen=True)
class Transition:
    """The engine's answer: the new state and the events that led to it."""

    state: CaseState
    events: tuple[Event, ...]


_encoder = msgspec.json.Encoder()


def event_as_json(event: Event) -> dict[str, Any]:
    """The event as a JSON value (timeline and outbox rows)."""
    value: dict[str, Any] = msgspec.to_builtins(event)
    return value


def encode_event(event: Event) -> bytes:
    return _encoder.encode(event)
