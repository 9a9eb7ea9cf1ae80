"""Which actions the route offers a person on a case, asked of the engine itself.

The engine is pure and refuses before it changes anything, so the console tries each
action the case's status admits, on each open task, with placeholder texts where the
action needs one: what the engine accepts is offered, what it refuses is not. Nothing
is stored; the real action is applied, and checked again, when the person posts it.
Return (退回), transfer (转办) and delegation (委托) need a target: each candidate (the
steps the case passed, the tenant's other departments, the colleagues holding the task's
role) is tried the same way, and the form offers those the engine accepts as a choice.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Final

from yiwang.platform.errors import YiwangError
from yiwang.runtime.console.people import Colleague
from yiwang.runtime.routes.actions import (
    Accept,
    Action,
    Actor,
    Approve,
    Complete,
    Decide,
    Delegate,
    NotAccept,
    Reject,
    RequestSupplement,
    Return,
    Transfer,
)
from yiwang.runtime.routes.engine import ALLOWED, apply
from yiwang.runtime.routes.spec import RouteSpec
from yiwang.runtime.routes.state import CaseState, TaskState

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
    #: the field the target is posted as (`to`, `department`), for a handover
    choice: str | None = None
    #: the targets the engine accepts, as (value, label)
    choices: tuple[tuple[str, str], ...] = ()


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


def _handovers(
    spec: RouteSpec,
    task: TaskState,
    departments: Mapping[str, str],
    people: Sequence[Colleague],
    state: CaseState,
) -> list[tuple[Offer, list[tuple[str, str, Action]]]]:
    """Each handover, with its candidates: (value, label, the action that tries it)."""
    steps = dict.fromkeys(reversed(state.passed))
    key = task.key
    return [
        (
            Offer(
                "return",
                key,
                "",
                fields=("return_reason",),
                required=("return_reason",),
                choice="to",
            ),
            [(s, spec.step(s).label, Return(to=s, comment=_TEXT, task=key)) for s in steps],
        ),
        (
            Offer("transfer", key, "", choice="department"),
            [(d, name, Transfer(department=d, task=key)) for d, name in departments.items()],
        ),
        (
            Offer("delegate", key, "", choice="to"),
            [(p.id, p.label, Delegate(to=p.id, task=key)) for p in people if task.role in p.roles],
        ),
    ]


def offers(
    spec: RouteSpec,
    state: CaseState,
    actor: Actor,
    form: Mapping[str, Any],
    now: datetime,
    *,
    departments: Mapping[str, str] | None = None,
    people: Sequence[Colleague] = (),
) -> list[Offer]:
    """What `actor` may do on the case now, task by task, as the engine decides it;
    `departments` (key: name) and `people` are the candidates of transfer and delegation."""
    allowed = ALLOWED[state.status]
    found: list[Offer] = []

    def accepts(action: Action) -> bool:
        try:
            apply(spec, state, action, actor, form, now)
        except YiwangError:
            return False
        return True

    for task in state.open_tasks:
        task_spec = spec.task(task.key)
        for offer, action in _tries(task.key, task_spec.on_reject):
            if offer.action in allowed and accepts(action):
                found.append(replace(offer, task_label=task_spec.label))
        for offer, candidates in _handovers(spec, task, departments or {}, people, state):
            if offer.action not in allowed:
                continue
            choices = tuple((v, label) for v, label, tried in candidates if accepts(tried))
            if choices:
                found.append(replace(offer, task_label=task_spec.label, choices=choices))
    return found
