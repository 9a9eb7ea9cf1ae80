"""What a caller asks the engine to do, and what the caller is.

Actions are msgspec Structs tagged by `action`, so the edge can decode a
request body straight into one (`msgspec.json.decode(body, type=Action)`).
Step actions name the task they act on (`task`: a step key, or a branch key
inside a parallel step); without one, the active step's only open task.

`Actor` carries the facts the caller computed for the case's tenant: who,
which roles they hold there and their department. The engine looks up no
people and no policy: it only compares these facts with the route.
"""

from __future__ import annotations

from typing import Any, Literal, cast

import msgspec

from yiwang.runtime.routes.state import Outcome


class Actor(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """The caller, as seen at the case's tenant."""

    id: str
    tenant: str
    roles: frozenset[str] = frozenset()
    department: str | None = None


class _Action(msgspec.Struct, frozen=True, forbid_unknown_fields=True, tag_field="action"):
    pass


class Submit(_Action, tag="submit", frozen=True):
    """The applicant files the case (the first transition; `state` is None)."""

    implementing_department: str | None = None
    comment: str = ""
    attachments: tuple[str, ...] = ()


class Accept(_Action, tag="accept", frozen=True):
    """受理."""

    comment: str = ""
    attachments: tuple[str, ...] = ()


class NotAccept(_Action, tag="not_accept", frozen=True):
    """不予受理, with the reason."""

    reason: str
    legal_basis: str = ""


class RequestSupplement(_Action, tag="request_supplement", frozen=True):
    """补正 at acceptance: everything missing at once (一次性告知), at most once."""

    missing: tuple[str, ...]
    comment: str = ""


class Resubmit(_Action, tag="resubmit", frozen=True):
    """The applicant hands in what was asked for."""

    comment: str = ""
    attachments: tuple[str, ...] = ()


class Approve(_Action, tag="approve", frozen=True):
    task: str | None = None
    comment: str = ""
    attachments: tuple[str, ...] = ()


class Reject(_Action, tag="reject", frozen=True):
    """A "no" vote; what it does when it closes the task is the task's `on_reject`.

    `comment` gives the reasons (required); `legal_basis` is required where the
    rejection may refuse the case; `missing` lists what the applicant must
    correct where it returns the case to them.
    """

    comment: str
    task: str | None = None
    legal_basis: str = ""
    missing: tuple[str, ...] = ()
    attachments: tuple[str, ...] = ()


class Return(_Action, tag="return", frozen=True):
    """退回 to an earlier review step, with the reason."""

    to: str
    comment: str
    task: str | None = None


class Transfer(_Action, tag="transfer", frozen=True):
    """转办 a task to another department of the tenant."""

    department: str
    task: str | None = None
    comment: str = ""


class Delegate(_Action, tag="delegate", frozen=True):
    """委托 a single-person task to a named colleague (who must hold its role)."""

    to: str
    task: str | None = None
    comment: str = ""


class Withdraw(_Action, tag="withdraw", frozen=True):
    """The applicant withdraws before the decision."""

    reason: str = ""


class Decide(_Action, tag="decide", frozen=True):
    """准予 or 不予: reasons (required when refusing) and the legal basis (always)."""

    outcome: Outcome
    legal_basis: str
    reasons: str = ""
    task: str | None = None
    attachments: tuple[str, ...] = ()


class Complete(_Action, tag="complete", frozen=True):
    """Finish a post-decision step (送达, 发证, 公布); the last one is 办结."""

    task: str | None = None
    comment: str = ""
    attachments: tuple[str, ...] = ()


class Revoke(_Action, tag="revoke", frozen=True):
    """撤销 a granted decision: a new audited procedure, with reasons and legal basis."""

    reasons: str
    legal_basis: str


class Change(_Action, tag="change", frozen=True):
    """变更 what a completed, granted case issued (e.g. a licence's particulars)."""

    changes: dict[str, Any]
    reasons: str
    legal_basis: str = ""


Action = (
    Submit
    | Accept
    | NotAccept
    | RequestSupplement
    | Resubmit
    | Approve
    | Reject
    | Return
    | Transfer
    | Delegate
    | Withdraw
    | Decide
    | Complete
    | Revoke
    | Change
)

ActionName = Literal[
    "submit",
    "accept",
    "not_accept",
    "request_supplement",
    "resubmit",
    "approve",
    "reject",
    "return",
    "transfer",
    "delegate",
    "withdraw",
    "decide",
    "complete",
    "revoke",
    "change",
]


def action_name(action: Action) -> ActionName:
    """The action's tag: `approve`, `reject`, ..."""
    return cast(ActionName, type(action).__struct_config__.tag)
