"""What one transition writes, as plain rows: pure, no session, tested on their own.

The engine's transition becomes the case's new columns, one timeline row and
one outbox row per event, and the open tasks that are new or changed (an open
task the transition did not touch keeps its row and its due day). The
repository writes them all in one statement; the rows carry neither the tenant
nor the case id, which that statement adds.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any, Final

from yiwang.platform.china_time import today_in_china
from yiwang.runtime.cases import deadlines
from yiwang.runtime.cases.deadlines import Deadlines
from yiwang.runtime.cases.models import Case
from yiwang.runtime.routes.events import Event, Transition, event_as_json
from yiwang.runtime.routes.spec import RouteSpec
from yiwang.runtime.routes.state import CaseState, TaskState
from yiwang.tenants.calendars.workdays import WorkingCalendar

#: events per transition stay far below this; timeline seq = version * SEQ_STRIDE + index
SEQ_STRIDE: Final = 1000


def timeline_rows(transition: Transition) -> list[dict[str, Any]]:
    """One timeline row per event, numbered after the case's new version."""
    base = transition.state.version * SEQ_STRIDE
    return [timeline_row(base + i, e) for i, e in enumerate(transition.events)]


def timeline_row(seq: int, event: Event) -> dict[str, Any]:
    return {
        "seq": seq,
        "kind": event.kind,
        "actor": event.actor,
        "at": event.at,
        "step": event.step,
        "task": event.task,
        "comment": event.comment,
        "attachments": list(event.attachments),
        "data": {**event_as_json(event)["data"], **({"clock": event.clock} if event.clock else {})},
    }


def outbox_rows(tenant_code: str, transition: Transition) -> list[dict[str, Any]]:
    """One outbox row per event; the statement that stores them adds the case number."""
    return [
        {
            "kind": f"case.{e.kind}",
            "payload": {"tenant": tenant_code, "event": event_as_json(e)},
            "created_at": e.at,
        }
        for e in transition.events
    ]


def changed_tasks(before: CaseState | None, after: CaseState) -> list[TaskState]:
    """The open tasks after the transition whose row is new or differs from before."""
    kept = {_task_key(t) for t in before.open_tasks} if before is not None else set()
    return [t for t in after.open_tasks if _task_key(t) not in kept]


def _task_key(t: TaskState) -> tuple[Any, ...]:
    return (t.key, t.step, t.role, t.department, t.assignee, t.opened_at)


def task_rows(
    spec: RouteSpec, calendar: WorkingCalendar | None, tasks: Sequence[TaskState]
) -> list[dict[str, Any]]:
    """The inbox rows of `tasks`; `calendar` may be None only if no task has a time limit."""
    rows = []
    for t in tasks:
        limit = task_limit(spec, t.key, t.step)
        due = None
        if limit is not None:
            assert calendar is not None
            due = deadlines.task_due(calendar, today_in_china(t.opened_at), limit)
        rows.append(
            {
                "task": t.key,
                "step": t.step,
                "role": t.role,
                "department": t.department,
                "assignee": t.assignee,
                "opened_at": t.opened_at,
                "due_on": due,
            }
        )
    return rows


def needs_calendar(spec: RouteSpec, tasks: Sequence[TaskState]) -> bool:
    return any(task_limit(spec, t.key, t.step) is not None for t in tasks)


def task_limit(spec: RouteSpec, task: str, step: str) -> int | None:
    found = spec.task(task).time_limit_days if spec.has_task(task) else None
    return found if found is not None else spec.step(step).time_limit_days


def action_of(transition: Transition) -> str:
    # the first event names what the actor did (approved, rejected, accepted ...)
    return transition.events[0].kind if transition.events else "noop"


def deadlines_of(case: Case) -> Deadlines:
    return Deadlines(
        statutory_due=case.statutory_due,
        promised_due=case.promised_due,
        statutory_left=case.statutory_left,
        promised_left=case.promised_left,
        warn_on=case.warn_on,
        colour=case.colour,  # type: ignore[arg-type]
        next_check=case.next_check,
    )


def deadline_columns(d: Deadlines) -> dict[str, Any]:
    return {
        "statutory_due": d.statutory_due,
        "promised_due": d.promised_due,
        "statutory_left": d.statutory_left,
        "promised_left": d.promised_left,
        "warn_on": d.warn_on,
        "colour": d.colour,
        "next_check": d.next_check,
    }


def clock_changes(before: CaseState, after: CaseState) -> bool:
    """Whether the transition stops or resumes the clock (and so needs the calendar)."""
    return (before.clock, after.clock) in (("running", "stopped"), ("stopped", "running"))


def clock_after(
    before: CaseState,
    after: CaseState,
    current: Deadlines,
    calendar: WorkingCalendar | None,
    today: date,
    warning_days: int,
) -> Deadlines:
    """The deadlines once the transition's clock effect is applied (`calendar` is needed
    only when `clock_changes`)."""
    if after.clock == "ended":
        return Deadlines(colour=current.colour)
    if before.clock == "running" and after.clock == "stopped":
        assert calendar is not None
        return deadlines.stop(calendar, today, current)
    if before.clock == "stopped" and after.clock == "running":
        assert calendar is not None
        return deadlines.resume(calendar, today, current, warning_days)
    return current
