"""Moving along the route: opening and closing steps and tasks, skipping steps
whose condition fails, going back, the parallel join, and the decision and
completion the route reaches on its own.

Shared by every handler; refusals are not made here but by `duties` and the
handlers before they move anything.
"""

from __future__ import annotations

from msgspec.structs import replace

from yiwang.runtime.routes.engine.run import Run
from yiwang.runtime.routes.spec import StepSpec
from yiwang.runtime.routes.state import Decision, Outcome, TaskOutcome, TaskState


def open_step(run: Run, step: StepSpec) -> None:
    s = run.s
    rounds = s.rounds + 1
    tasks = tuple(
        TaskState(
            key=t.key,
            step=step.key,
            role=t.assignee.role,
            department=t.assignee.department_for(s.implementing_department),
            round=rounds,
            opened_at=run.now,
        )
        for t in step.tasks
    )
    clock = run.stop_clock(f"step:{step.key}") if step.stops_clock else None
    run.set(step=step.key, tasks=tasks, rounds=rounds)
    run.emit(
        "step_opened",
        step=step.key,
        clock=clock,
        kind=step.kind,
        round=rounds,
        parallel=step.parallel,
        time_limit_days=step.time_limit_days,
    )
    for spec_task, task in zip(step.tasks, tasks, strict=True):
        run.emit(
            "task_opened",
            step=step.key,
            task=task.key,
            role=task.role,
            department=task.department,
            tenant=s.tenant,
            round=rounds,
            mode=spec_task.approval.mode,
            needed=spec_task.approval.needed,
            seats=spec_task.approval.seats,
            time_limit_days=spec_task.time_limit_days,
        )


def replace_task(run: Run, task: TaskState) -> None:
    run.set(tasks=tuple(task if t.key == task.key else t for t in run.s.tasks))


def close_task(
    run: Run,
    task: TaskState,
    outcome: TaskOutcome,
    comment: str = "",
    attachments: tuple[str, ...] = (),
) -> None:
    closed = replace(task, outcome=outcome)
    replace_task(run, closed)
    run.emit(
        "task_closed",
        step=task.step,
        task=task.key,
        comment=comment,
        attachments=attachments,
        outcome=outcome,
        approvals=closed.approvals,
        rejections=closed.rejections,
    )


def close_step(run: Run, outcome: str, *, passed: bool) -> None:
    s = run.s
    assert s.step is not None
    step = run.spec.step(s.step)
    for task in s.open_tasks:
        run.emit("task_cancelled", step=step.key, task=task.key)
    clock = run.resume_clock(f"step:{step.key}") if step.stops_clock else None
    run.emit("step_closed", step=step.key, clock=clock, outcome=outcome)
    run.set(tasks=(), passed=(*run.s.passed, step.key) if passed else run.s.passed)


def advance(run: Run, start: int) -> None:
    """Open the first step from `start` whose condition holds; decide or finish on the way."""
    spec = run.spec
    index = start
    while True:
        if index >= spec.post_decision_start and run.s.decision is None:
            record_decision(run, "approved", "", "", step=None, automatic=True)
        if index >= len(spec.steps):
            _complete_case(run)
            return
        step = spec.steps[index]
        if step.when is not None and not step.when.holds(run.form):
            run.emit("step_skipped", step=step.key, reason="condition")
            run.set(skipped=(*run.s.skipped, step.key))
            index += 1
            continue
        open_step(run, step)
        return


def reopen(run: Run, key: str) -> None:
    """Go back to step `key`: it and everything after it will be done again."""
    spec = run.spec
    target = spec.index(key)
    run.set(
        passed=tuple(k for k in run.s.passed if spec.index(k) < target),
        skipped=tuple(k for k in run.s.skipped if spec.index(k) < target),
    )
    open_step(run, spec.step(key))


def return_targets(run: Run, before: int) -> list[str]:
    """Earlier review steps this case passed after its acceptance, nearest first."""
    spec = run.spec
    accept = next((i for i, s in enumerate(spec.steps) if s.kind == "accept"), -1)
    return [
        k for k in reversed(run.s.passed) if accept < spec.index(k) < before and spec.step(k).voting
    ]


def record_decision(
    run: Run, outcome: Outcome, reasons: str, legal_basis: str, *, step: str | None, automatic: bool
) -> None:
    decision = Decision(
        outcome=outcome,
        reasons=reasons,
        legal_basis=legal_basis,
        by=run.actor.id,
        at=run.now,
        step=step,
        automatic=automatic,
    )
    run.set(decision=decision)
    run.emit(
        "decided",
        step=step,
        clock=run.end_clock(),
        outcome=outcome,
        reasons=reasons,
        legal_basis=legal_basis,
        automatic=automatic,
    )


def _complete_case(run: Run) -> None:
    decision = run.s.decision
    assert decision is not None
    run.set(status="completed", step=None, tasks=())
    run.emit("completed", outcome=decision.outcome)


def join(run: Run) -> None:
    """Close the active step once every task of it has finished (the parallel join)."""
    s = run.s
    if any(not t.closed for t in s.tasks):
        return
    assert s.step is not None
    index = run.spec.index(s.step)
    objections = [t.key for t in s.tasks if t.outcome == "rejected"]
    close_step(run, "approved", passed=True)
    if objections:
        run.events[-1] = replace(
            run.events[-1], data={**run.events[-1].data, "objections": objections}
        )
    advance(run, index + 1)
