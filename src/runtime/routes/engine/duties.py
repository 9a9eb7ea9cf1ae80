"""Separation of duties: who may act on which task, checked for every caller.

- nobody acts as staff on a case they submitted (`routes.own_case`);
- one person counts once per task and round (`routes.already_decided`);
- only the active step's open tasks can be acted on: a later step cannot be
  reached early (`routes.step_not_active`) and a finished one cannot be
  decided again (`routes.task_closed`);
- the actor must hold the task's role, in the task's department
  (`routes.role_required`), and be its delegate if it was delegated;
- an action must be one the step's kind takes (`routes.wrong_action`).
"""

from __future__ import annotations

from collections.abc import Callable

from yiwang.platform.errors import Conflict, InvalidInput, PermissionDenied
from yiwang.platform.i18n import translate
from yiwang.runtime.routes.engine.run import Run
from yiwang.runtime.routes.spec import Assignee, StepSpec, TaskSpec
from yiwang.runtime.routes.state import TaskState


def find_task(run: Run, key: str | None) -> tuple[TaskState, TaskSpec]:
    s, spec = run.s, run.spec
    if key is None:
        open_tasks = s.open_tasks
        if not open_tasks:
            raise Conflict("routes.no_open_task")
        if len(open_tasks) > 1:
            labels = "、".join(spec.task(t.key).label for t in open_tasks)
            raise InvalidInput("routes.task_required", pointer="/task", tasks=labels)
        found = open_tasks[0]
    else:
        if not spec.has_task(key):
            raise InvalidInput("routes.task_unknown", pointer="/task", task=key[:64])
        label = spec.task(key).label
        current = s.task(key)
        if current is None:
            if spec.task(key).step in s.passed:
                raise Conflict("routes.task_closed", task=label)
            active = spec.step(s.step).label if s.step else "—"
            raise Conflict("routes.step_not_active", task=label, active=active)
        if current.closed:
            raise Conflict("routes.task_closed", task=label)
        found = current
    return found, spec.task(found.key)


def _not_own_case(run: Run) -> None:
    if run.actor.id == run.s.submitter:
        raise PermissionDenied("routes.own_case")


def _holds(run: Run, role: str, department: str | None) -> bool:
    a = run.actor
    return role in a.roles and (department is None or a.department == department)


def authorize(run: Run, task: TaskState) -> None:
    _not_own_case(run)
    label = run.spec.task(task.key).label
    if task.assignee is not None and task.assignee != run.actor.id:
        raise PermissionDenied("routes.delegated_to_other", task=label)
    if not _holds(run, task.role, task.department):
        raise PermissionDenied(
            "routes.role_required",
            task=label,
            role=task.role,
            department=task.department or "—",
        )


def authorize_authority(run: Run) -> None:
    _not_own_case(run)
    authority: Assignee = run.spec.authority
    department = authority.department_for(run.s.implementing_department)
    if not _holds(run, authority.role, department):
        raise PermissionDenied(
            "routes.role_required",
            task=translate("routes.authority"),
            role=authority.role,
            department=department or "—",
        )


def not_voted(run: Run, task: TaskState) -> None:
    if task.voted(run.actor.id):
        raise Conflict("routes.already_decided", task=run.spec.task(task.key).label)


def require_kind(run: Run, task: TaskSpec, allowed: Callable[[StepSpec], bool], name: str) -> None:
    step = run.spec.step(task.step)
    if not allowed(step):
        raise Conflict(
            "routes.wrong_action",
            action=translate(f"routes.action.{name}"),
            step=step.label,
            kind=translate(f"routes.kind.{step.kind}"),
        )
