"""Which actions the route offers a person on a case, asked of the engine itself.

The engine is pure and refuses before it changes anything, so the console tries each
action the case's status admits, on each open task, with placeholder texts where the
action needs one: what the engine accepts is offered, what it refuses is not. Nothing
is stored; the real action is applied, and checked again, when the person posts it.
Transfer, delegation and return need a target chosen from lists the console does not
draw yet, so they are not offered here (the API takes them).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from yiwang.platform.errors import YiwangError
from yiwang.runtime.routes.actions import (
    Accept,
    Action,
    Actor,
    Approve,
    Complete,
    Decide,
    NotAccept,
    Reject,
    RequestSupplement,
)
from yiwang.runtime.routes.engine import ALLOWED, apply
from yiwang.runtime.routes.spec import RouteSpec
from yiwang.runtime.routes.state import CaseState

#: stands for a text the person will type; the engine only checks that one is there
_TEXT: Final = "…"


@dataclass(frozen=True)
class Offer:
    """One form of the case page: an action on a task, and the fields it asks for."""

    #: the form's `action` value (`decide` twice, by `outcome`)
    action: str
    task: str
    task_label: str
    outcome: str | None = None
    #: the fields the form shows besides the comment, in order
    fields: tuple[str, ...] = ()
    #: the fields the engine refuses to go without
    required: tuple[str, ...] = ()


def _tries(task: str, on_reject: str | None) -> list[tuple[Offer, Action]]:
    """Every candidate, with the action that stands for it in a dry run."""
    missing = ("missing",) if on_reject == "return_to_applicant" else ()
    return [
        (Offer("accept", task, ""), Accept()),
        (
            Offer("not_accept", task, "", fields=("reason", "legal_basis"), required=("reason",)),
            NotAccept(reason=_TEXT),
        ),
        (
            Offer("request_supplement", task, "", fields=("missing",), required=("missing",)),
            RequestSupplement(missing=(_TEXT,)),
        ),
        (Offer("approve", task, ""), Approve(task=task)),
        (
            Offer(
                "reject",
                task,
                "",
                fields=("reject_comment", "legal_basis", *missing),
                required=("reject_comment", *missing),
            ),
            Reject(task=task, comment=_TEXT, legal_basis=_TEXT, missing=(_TEXT,)),
        ),
        (
            Offer(
                "decide",
                task,
                "",
                outcome="approved",
                fields=("legal_basis",),
                required=("legal_basis",),
            ),
            Decide(task=task, outcome="approved", legal_basis=_TEXT),
        ),
        (
            Offer(
                "decide",
                task,
                "",
                outcome="refused",
                fields=("reasons", "legal_basis"),
                required=("reasons", "legal_basis"),
            ),
            Decide(task=task, outcome="refused", legal_basis=_TEXT, reasons=_TEXT),
        ),
        (Offer("complete", task, ""), Complete(task=task)),
    ]


def offers(
    spec: RouteSpec,
    state: CaseState,
    actor: Actor,
    form: Mapping[str, Any],
    now: datetime,
) -> list[Offer]:
    """What `actor` may do on the case now, task by task, as the engine decides it."""
    allowed = ALLOWED[state.status]
    found: list[Offer] = []
    for task in state.open_tasks:
        task_spec = spec.task(task.key)
        for offer, action in _tries(task.key, task_spec.on_reject):
            if offer.action not in allowed:
                continue
            try:
                apply(spec, state, action, actor, form, now)
            except YiwangError:
                continue
            found.append(
                Offer(
                    offer.action,
                    task.key,
                    task_spec.label,
                    offer.outcome,
                    offer.fields,
                    offer.required,
                )
            )
    return found
