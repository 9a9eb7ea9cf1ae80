"""A case's place on its route, as plain data that round-trips through JSON.

The storage layer keeps `encode_state(state)` in a JSONB (or bytea) column
next to `state.version`, and updates it with `WHERE version = <the version it
read>`: two approvers racing on one 或签 step both compute a transition from
the same version, one update wins, the other reloads and is refused by the
engine (`routes.task_closed`). `route` names the route and its content hash,
so a case keeps the route it started on even after a new version is published.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final, Literal, get_args

import msgspec

Status = Literal[
    "submitted",
    "in_review",
    "supplement_requested",
    "decided",
    "completed",
    "not_accepted",
    "withdrawn",
    "revoked",
]
#: no action changes a case in these states
TERMINAL: Final[frozenset[str]] = frozenset({"not_accepted", "withdrawn", "revoked"})
Clock = Literal["running", "stopped", "ended"]
Outcome = Literal["approved", "refused"]
#: the outcomes a decision may have (a Python caller's action is not checked by msgspec)
OUTCOMES: Final[frozenset[str]] = frozenset(get_args(Outcome))
TaskOutcome = Literal["approved", "rejected"]


class RouteRef(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """The route a case runs on: document, route key and the definition's content hash."""

    document: str
    key: str
    version: str


class Vote(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """One person's decision on one task."""

    actor: str
    approve: bool
    at: datetime


class TaskState(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """An open (or, inside a parallel step, already finished) task of the active step.

    `round` counts the openings of steps in this case: a step reopened after a
    return or a supplement is a new round, with no votes yet.
    """

    key: str
    step: str
    role: str
    department: str | None
    round: int
    opened_at: datetime
    assignee: str | None = None
    votes: tuple[Vote, ...] = ()
    outcome: TaskOutcome | None = None

    @property
    def closed(self) -> bool:
        return self.outcome is not None

    @property
    def approvals(self) -> int:
        return sum(1 for v in self.votes if v.approve)

    @property
    def rejections(self) -> int:
        return sum(1 for v in self.votes if not v.approve)

    def voted(self, actor: str) -> bool:
        return any(v.actor == actor for v in self.votes)


class Decision(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """准予 or 不予, with reasons and the legal basis; never changed once made."""

    outcome: Outcome
    reasons: str
    legal_basis: str
    by: str
    at: datetime
    step: str | None
    #: made by the route itself: a route without a decide step, after its last review
    automatic: bool = False


class Supplement(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """What the applicant was asked to correct (补正), and where the case resumes."""

    missing: tuple[str, ...]
    comment: str
    by: str
    at: datetime
    at_acceptance: bool
    resume_step: str


class Procedure(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A post-decision procedure: 撤销 (revoke) or 变更 (change)."""

    kind: Literal["revoke", "change"]
    by: str
    at: datetime
    reasons: str
    legal_basis: str
    changes: dict[str, Any] = {}


class CaseState(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Where a case stands. `version` grows by one with every transition."""

    route: RouteRef
    tenant: str
    submitter: str
    implementing_department: str | None
    status: Status
    version: int
    submitted_at: datetime
    updated_at: datetime
    accepted: bool = False
    #: the active step's key (None once the case is completed or closed)
    step: str | None = None
    tasks: tuple[TaskState, ...] = ()
    #: steps done, in order (a return takes the later ones off again)
    passed: tuple[str, ...] = ()
    #: conditional steps whose condition did not hold when the case reached them
    skipped: tuple[str, ...] = ()
    rounds: int = 0
    supplement: Supplement | None = None
    acceptance_supplements: int = 0
    decision: Decision | None = None
    procedures: tuple[Procedure, ...] = ()
    clock: Clock = "running"
    #: why the clock is stopped: "supplement", or "step:<key>" for a special procedure
    clock_stops: tuple[str, ...] = ()

    @property
    def open_tasks(self) -> tuple[TaskState, ...]:
        return tuple(t for t in self.tasks if not t.closed)

    def task(self, key: str) -> TaskState | None:
        return next((t for t in self.tasks if t.key == key), None)


_encoder: Final = msgspec.json.Encoder()
_decoder: Final = msgspec.json.Decoder(CaseState)


def encode_state(state: CaseState) -> bytes:
    """The JSON the storage layer keeps."""
    return _encoder.encode(state)


def decode_state(data: bytes | str) -> CaseState:
    """A state from its stored JSON (unknown fields are refused, not dropped)."""
    return _decoder.decode(data)


def state_as_json(state: CaseState) -> dict[str, Any]:
    """The state as a JSON value (for a JSONB column)."""
    value: dict[str, Any] = msgspec.to_builtins(state)
    return value


def state_from_json(value: Any) -> CaseState:
    return msgspec.convert(value, CaseState)
