"""The route engine: (spec, state, action, actor, form data, now) -> new state and events.

Pure: no session, no clock of its own, no lookup of people or policy. States
are immutable and a refusal raises before the new state is returned, so a
refused action changes nothing; the caller stores `Transition.state` (optimistically, on
`state.version`) and its events in one transaction.

Separation of duties, enforced here for every caller:
- nobody acts as staff on a case they submitted (`routes.own_case`);
- one person counts once per task and round (`routes.already_decided`);
- only the active step's open tasks can be acted on: a later step cannot be
  reached early (`routes.step_not_active`) and a finished one cannot be
  decided again (`routes.task_closed`);
- the actor must hold the task's role, in the task's department
  (`routes.role_required`), and be its delegate if it was delegated;
- once decided, a case changes only by 办结 (`complete`), 撤销 and 变更.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, Final

from msgspec.structs import replace

from yiwang.platform.errors import Conflict, InvalidInput, PermissionDenied
from yiwang.platform.i18n import translate
from yiwang.runtime.routes.actions import (
    Accept,
    Action,
    ActionName,
    Actor,
    Approve,
    Change,
    Complete,
    Decide,
    Delegate,
    NotAccept,
    Reject,
    RequestSupplement,
    Resubmit,
    Return,
    Revoke,
    Submit,
    Transfer,
    Withdraw,
    action_name,
)
from yiwang.runtime.routes.events import ClockEffect, Event, EventKind, Transition
from yiwang.runtime.routes.spec import Assignee, RouteSpec, StepSpec, TaskSpec
from yiwang.runtime.routes.state import (
    TERMINAL,
    CaseState,
    Decision,
    Outcome,
    Procedure,
    RouteRef,
    Status,
    Supplement,
    TaskOutcome,
    TaskState,
    Vote,
)

#: what each state lets anyone try; the handler then checks the step and the actor
ALLOWED: Final[Mapping[Status, frozenset[ActionName]]] = {
    "submitted": frozenset(
        {
            "accept",
            "not_accept",
            "request_supplement",
            "approve",
            "reject",
            "return",
            "transfer",
            "delegate",
            "withdraw",
        }
    ),
    "in_review": frozenset(
        {"approve", "reject", "return", "transfer", "delegate", "decide", "withdraw"}
    ),
    "supplement_requested": frozenset({"resubmit", "withdraw"}),
    "decided": frozenset({"complete", "transfer", "delegate", "revoke"}),
    "completed": frozenset({"revoke", "change"}),
    "not_accepted": frozenset(),
    "withdrawn": frozenset(),
    "revoked": frozenset(),
}


def apply(
    spec: RouteSpec,
    state: CaseState | None,
    action: Action,
    actor: Actor,
    form: Mapping[str, Any],
    now: datetime,
) -> Transition:
    """The transition `action` by `actor` makes, or a refusal with a stable code.

    `state` is None only for `Submit`. `form` is the case's current form data
    (conditions of steps the case reaches are evaluated on it); `actor` holds
    the roles and department the caller has at the case's tenant.
    """
    if isinstance(action, Submit):
        if state is not None:
            raise Conflict("routes.already_submitted")
        return _Run.submit(spec, action, actor, form, now)
    if state is None:
        raise InvalidInput("routes.not_submitted")
    if state.route.version != spec.version:
        raise Conflict("routes.route_version_mismatch", case=state.route.version[:12])
    if actor.tenant != state.tenant:
        raise PermissionDenied("routes.wrong_tenant")
    name = action_name(action)
    if name not in ALLOWED[state.status]:
        raise Conflict(
            "routes.action_not_allowed",
            action=translate(f"routes.action.{name}"),
            status=translate(f"routes.status.{state.status}"),
        )
    run = _Run(spec, state, actor, form, now)
    _HANDLERS[type(action)](run, action)
    return run.finish()


class _Run:
    """One transition being built: the state so far and the events emitted."""

    def __init__(
        self,
        spec: RouteSpec,
        state: CaseState,
        actor: Actor,
        form: Mapping[str, Any],
        now: datetime,
    ) -> None:
        self.spec = spec
        self.s = state
        self.actor = actor
        self.form = form
        self.now = now
        self.events: list[Event] = []

    # --- building blocks ---------------------------------------------------

    def set(self, **changes: Any) -> None:
        self.s = replace(self.s, **changes)

    def emit(
        self,
        kind: EventKind,
        /,
        *,
        step: str | None = None,
        task: str | None = None,
        comment: str = "",
        attachments: tuple[str, ...] = (),
        clock: ClockEffect | None = None,
        **data: Any,
    ) -> None:
        self.events.append(
            Event(
                kind=kind,
                at=self.now,
                actor=self.actor.id,
                step=step,
                task=task,
                comment=comment,
                attachments=attachments,
                clock=clock,
                data=data,
            )
        )

    def finish(self) -> Transition:
        state = replace(
            self.s, status=self._status(), version=self.s.version + 1, updated_at=self.now
        )
        return Transition(state=state, events=tuple(self.events))

    def _status(self) -> Status:
        s = self.s
        if s.status in TERMINAL or s.status == "completed":
            return s.status
        if s.supplement is not None:
            return "supplement_requested"
        if s.decision is not None:
            return "decided"
        return "in_review" if s.accepted else "submitted"

    # --- the clock -----------------------------------------------------------

    def _stop(self, reason: str) -> ClockEffect | None:
        s = self.s
        if s.clock == "ended" or reason in s.clock_stops:
            return None
        self.set(clock_stops=(*s.clock_stops, reason))
        if s.clock == "running":
            self.set(clock="stopped")
            return "stopped"
        return None

    def _resume(self, reason: str) -> ClockEffect | None:
        s = self.s
        if reason not in s.clock_stops:
            return None
        stops = tuple(r for r in s.clock_stops if r != reason)
        self.set(clock_stops=stops)
        if not stops and s.clock == "stopped":
            self.set(clock="running")
            return "resumed"
        return None

    def _end_clock(self) -> ClockEffect | None:
        if self.s.clock == "ended":
            return None
        self.set(clock="ended", clock_stops=())
        return "ended"

    # --- who may act -----------------------------------------------------------

    def _task(self, key: str | None) -> tuple[TaskState, TaskSpec]:
        s, spec = self.s, self.spec
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

    def _not_own_case(self) -> None:
        if self.actor.id == self.s.submitter:
            raise PermissionDenied("routes.own_case")

    def _holds(self, role: str, department: str | None) -> bool:
        a = self.actor
        return role in a.roles and (department is None or a.department == department)

    def _authorize(self, task: TaskState) -> None:
        self._not_own_case()
        label = self.spec.task(task.key).label
        if task.assignee is not None and task.assignee != self.actor.id:
            raise PermissionDenied("routes.delegated_to_other", task=label)
        if not self._holds(task.role, task.department):
            raise PermissionDenied(
                "routes.role_required",
                task=label,
                role=task.role,
                department=task.department or "—",
            )

    def _authorize_authority(self) -> None:
        self._not_own_case()
        authority: Assignee = self.spec.authority
        department = authority.department_for(self.s.implementing_department)
        if not self._holds(authority.role, department):
            raise PermissionDenied(
                "routes.role_required",
                task=translate("routes.authority"),
                role=authority.role,
                department=department or "—",
            )

    def _not_voted(self, task: TaskState) -> None:
        if task.voted(self.actor.id):
            raise Conflict("routes.already_decided", task=self.spec.task(task.key).label)

    def _require_kind(self, task: TaskSpec, allowed: Callable[[StepSpec], bool], name: str) -> None:
        step = self.spec.step(task.step)
        if not allowed(step):
            raise Conflict(
                "routes.wrong_action",
                action=translate(f"routes.action.{name}"),
                step=step.label,
                kind=translate(f"routes.kind.{step.kind}"),
            )

    # --- moving along the route --------------------------------------------------

    def _open(self, step: StepSpec) -> None:
        s = self.s
        rounds = s.rounds + 1
        tasks = tuple(
            TaskState(
                key=t.key,
                step=step.key,
                role=t.assignee.role,
                department=t.assignee.department_for(s.implementing_department),
                round=rounds,
                opened_at=self.now,
            )
            for t in step.tasks
        )
        clock = self._stop(f"step:{step.key}") if step.stops_clock else None
        self.set(step=step.key, tasks=tasks, rounds=rounds)
        self.emit(
            "step_opened",
            step=step.key,
            clock=clock,
            kind=step.kind,
            round=rounds,
            parallel=step.parallel,
            time_limit_days=step.time_limit_days,
        )
        for spec_task, task in zip(step.tasks, tasks, strict=True):
            self.emit(
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

    def _replace_task(self, task: TaskState) -> None:
        self.set(tasks=tuple(task if t.key == task.key else t for t in self.s.tasks))

    def _close_task(
        self,
        task: TaskState,
        outcome: TaskOutcome,
        comment: str = "",
        attachments: tuple[str, ...] = (),
    ) -> None:
        closed = replace(task, outcome=outcome)
        self._replace_task(closed)
        self.emit(
            "task_closed",
            step=task.step,
            task=task.key,
            comment=comment,
            attachments=attachments,
            outcome=outcome,
            approvals=closed.approvals,
            rejections=closed.rejections,
        )

    def _close_step(self, outcome: str, *, passed: bool) -> None:
        s = self.s
        assert s.step is not None
        step = self.spec.step(s.step)
        for task in s.open_tasks:
            self.emit("task_cancelled", step=step.key, task=task.key)
        clock = self._resume(f"step:{step.key}") if step.stops_clock else None
        self.emit("step_closed", step=step.key, clock=clock, outcome=outcome)
        self.set(tasks=(), passed=(*self.s.passed, step.key) if passed else self.s.passed)

    def _advance(self, start: int) -> None:
        """Open the first step from `start` whose condition holds; decide or finish on the way."""
        spec = self.spec
        index = start
        while True:
            if index >= spec.post_decision_start and self.s.decision is None:
                self._record_decision("approved", "", "", step=None, automatic=True)
            if index >= len(spec.steps):
                self._complete_case()
                return
            step = spec.steps[index]
            if step.when is not None and not step.when.holds(self.form):
                self.emit("step_skipped", step=step.key, reason="condition")
                self.set(skipped=(*self.s.skipped, step.key))
                index += 1
                continue
            self._open(step)
            return

    def _reopen(self, key: str) -> None:
        """Go back to step `key`: it and everything after it will be done again."""
        spec = self.spec
        target = spec.index(key)
        self.set(
            passed=tuple(k for k in self.s.passed if spec.index(k) < target),
            skipped=tuple(k for k in self.s.skipped if spec.index(k) < target),
        )
        self._open(spec.step(key))

    def _return_targets(self, before: int) -> list[str]:
        """Earlier review steps this case passed after its acceptance, nearest first."""
        spec = self.spec
        accept = next((i for i, s in enumerate(spec.steps) if s.kind == "accept"), -1)
        return [
            k
            for k in reversed(self.s.passed)
            if accept < spec.index(k) < before and spec.step(k).voting
        ]

    def _record_decision(
        self, outcome: Outcome, reasons: str, legal_basis: str, *, step: str | None, automatic: bool
    ) -> None:
        decision = Decision(
            outcome=outcome,
            reasons=reasons,
            legal_basis=legal_basis,
            by=self.actor.id,
            at=self.now,
            step=step,
            automatic=automatic,
        )
        self.set(decision=decision)
        self.emit(
            "decided",
            step=step,
            clock=self._end_clock(),
            outcome=outcome,
            reasons=reasons,
            legal_basis=legal_basis,
            automatic=automatic,
        )

    def _complete_case(self) -> None:
        decision = self.s.decision
        assert decision is not None
        self.set(status="completed", step=None, tasks=())
        self.emit("completed", outcome=decision.outcome)

    def _join(self) -> None:
        """Close the active step once every task of it has finished (the parallel join)."""
        s = self.s
        if any(not t.closed for t in s.tasks):
            return
        assert s.step is not None
        index = self.spec.index(s.step)
        objections = [t.key for t in s.tasks if t.outcome == "rejected"]
        self._close_step("approved", passed=True)
        if objections:
            self.events[-1] = replace(
                self.events[-1], data={**self.events[-1].data, "objections": objections}
            )
        self._advance(index + 1)

    # --- submission ---------------------------------------------------------------

    @classmethod
    def submit(
        cls,
        spec: RouteSpec,
        action: Submit,
        actor: Actor,
        form: Mapping[str, Any],
        now: datetime,
    ) -> Transition:
        implementing = action.implementing_department
        if spec.uses_implementing_department and not implementing:
            raise InvalidInput(
                "routes.implementing_department_required", pointer="/implementing_department"
            )
        first = spec.steps[0]
        if first.kind == "draft":
            drafter = first.tasks[0].assignee
            department = drafter.department_for(implementing)
            if drafter.role not in actor.roles or (
                department is not None and actor.department != department
            ):
                raise PermissionDenied(
                    "routes.role_required",
                    task=first.label,
                    role=drafter.role,
                    department=department or "—",
                )
        state = CaseState(
            route=RouteRef(document=spec.document, key=spec.key, version=spec.version),
            tenant=actor.tenant,
            submitter=actor.id,
            implementing_department=implementing,
            status="submitted",
            version=0,
            submitted_at=now,
            updated_at=now,
            accepted=not any(s.kind == "accept" for s in spec.steps),
        )
        run = cls(spec, state, actor, form, now)
        run.emit(
            "submitted",
            comment=action.comment,
            attachments=action.attachments,
            clock="started",
            route=spec.key,
            route_version=spec.version,
            implementing_department=implementing,
        )
        if first.kind == "draft":
            run.set(passed=(first.key,), rounds=1)
            run.emit("step_closed", step=first.key, outcome="approved")
            run._advance(1)
        else:
            run._advance(0)
        return run.finish()

    # --- acceptance ----------------------------------------------------------------

    def _acceptance_task(self, name: str) -> TaskState:
        task, spec_task = self._task(None)
        self._require_kind(spec_task, lambda s: s.kind == "accept", name)
        self._authorize(task)
        return task

    def accept(self, action: Accept) -> None:
        task = self._acceptance_task("accept")
        task = replace(task, votes=(Vote(self.actor.id, True, self.now),))
        self._close_task(task, "approved", action.comment, action.attachments)
        self.set(accepted=True)
        self.emit("accepted", step=task.step, comment=action.comment)
        self._close_step("approved", passed=True)
        self._advance(self.spec.index(task.step) + 1)

    def not_accept(self, action: NotAccept) -> None:
        if not action.reason.strip():
            raise InvalidInput("routes.reason_required", pointer="/reason")
        task = self._acceptance_task("not_accept")
        task = replace(task, votes=(Vote(self.actor.id, False, self.now),))
        self._close_task(task, "rejected")
        self._close_step("not_accepted", passed=False)
        self.emit(
            "not_accepted",
            step=task.step,
            comment=action.reason,
            clock=self._end_clock(),
            reason=action.reason,
            legal_basis=action.legal_basis,
        )
        self.set(status="not_accepted", step=None)

    def request_supplement(self, action: RequestSupplement) -> None:
        missing = tuple(m.strip() for m in action.missing if m.strip())
        if not missing:
            raise InvalidInput("routes.missing_required", pointer="/missing")
        task = self._acceptance_task("request_supplement")
        if self.s.acceptance_supplements >= 1:
            raise Conflict("routes.supplement_once")
        self._close_step("supplement_requested", passed=False)
        self.set(
            supplement=Supplement(
                missing=missing,
                comment=action.comment,
                by=self.actor.id,
                at=self.now,
                at_acceptance=True,
                resume_step=task.step,
            ),
            acceptance_supplements=self.s.acceptance_supplements + 1,
        )
        self.emit(
            "supplement_requested",
            step=task.step,
            comment=action.comment,
            clock=self._stop("supplement"),
            missing=list(missing),
            at_acceptance=True,
        )

    def resubmit(self, action: Resubmit) -> None:
        if self.actor.id != self.s.submitter:
            raise PermissionDenied("routes.applicant_only")
        supplement = self.s.supplement
        assert supplement is not None
        self.set(supplement=None)
        self.emit(
            "resubmitted",
            step=supplement.resume_step,
            comment=action.comment,
            attachments=action.attachments,
            clock=self._resume("supplement"),
            missing=list(supplement.missing),
        )
        self._open(self.spec.step(supplement.resume_step))

    # --- reviews -----------------------------------------------------------------------

    def _voting_task(self, key: str | None, name: str) -> tuple[TaskState, TaskSpec]:
        task, spec_task = self._task(key)
        self._require_kind(spec_task, lambda s: s.voting, name)
        self._authorize(task)
        self._not_voted(task)
        return task, spec_task

    def approve(self, action: Approve) -> None:
        task, spec_task = self._voting_task(action.task, "approve")
        self._vote(task, spec_task, True, action.comment, action.attachments, action)

    def reject(self, action: Reject) -> None:
        if not action.comment.strip():
            raise InvalidInput("routes.reasons_required", pointer="/comment")
        task, spec_task = self._voting_task(action.task, "reject")
        if spec_task.on_reject == "reject_case" and not action.legal_basis.strip():
            raise InvalidInput("routes.legal_basis_required", pointer="/legal_basis")
        self._vote(task, spec_task, False, action.comment, action.attachments, action)

    def _vote(
        self,
        task: TaskState,
        spec_task: TaskSpec,
        approve: bool,
        comment: str,
        attachments: tuple[str, ...],
        action: Approve | Reject,
    ) -> None:
        task = replace(task, votes=(*task.votes, Vote(self.actor.id, approve, self.now)))
        rule = spec_task.approval
        outcome: TaskOutcome | None = None
        if task.approvals >= rule.needed:
            outcome = "approved"
        elif task.rejections >= rule.rejections_to_close:
            outcome = "rejected"
        extra: dict[str, Any] = {}
        if isinstance(action, Reject):
            extra = {"legal_basis": action.legal_basis, "missing": list(action.missing)}
        self.emit(
            "approved" if approve else "rejected",
            step=task.step,
            task=task.key,
            comment=comment,
            attachments=attachments,
            approvals=task.approvals,
            rejections=task.rejections,
            needed=rule.needed,
            rejections_to_close=rule.rejections_to_close,
            **extra,
        )
        self._replace_task(task)
        if outcome is None:
            return
        self._close_task(task, outcome)
        if outcome == "rejected" and spec_task.on_reject != "continue":
            assert isinstance(action, Reject)
            self._rejected(spec_task, action)
        else:
            self._join()

    def _rejected(self, spec_task: TaskSpec, action: Reject) -> None:
        """The task closed as rejected: do what the route declared for it."""
        step = self.spec.step(spec_task.step)
        if spec_task.on_reject == "reject_case":
            self._close_step("rejected", passed=True)
            self._record_decision(
                "refused", action.comment, action.legal_basis, step=step.key, automatic=False
            )
            self._advance(self.spec.post_decision_start)
        elif spec_task.on_reject == "return_to_previous":
            targets = self._return_targets(self.spec.index(step.key))
            if not targets:
                raise Conflict("routes.nothing_to_return_to", step=step.label)
            self._close_step("returned", passed=False)
            self.emit(
                "returned", step=step.key, task=spec_task.key, comment=action.comment, to=targets[0]
            )
            self._reopen(targets[0])
        else:  # return_to_applicant
            self._close_step("returned", passed=False)
            self.set(
                supplement=Supplement(
                    missing=action.missing,
                    comment=action.comment,
                    by=self.actor.id,
                    at=self.now,
                    at_acceptance=False,
                    resume_step=step.key,
                )
            )
            self.emit(
                "supplement_requested",
                step=step.key,
                task=spec_task.key,
                comment=action.comment,
                clock=self._stop("supplement"),
                missing=list(action.missing),
                at_acceptance=False,
            )

    def return_(self, action: Return) -> None:
        if not action.comment.strip():
            raise InvalidInput("routes.reasons_required", pointer="/comment")
        task, spec_task = self._task(action.task)
        self._require_kind(spec_task, lambda s: s.voting or s.kind == "decide", "return")
        self._authorize(task)
        if action.to not in self._return_targets(self.spec.index(task.step)):
            raise InvalidInput("routes.return_target_invalid", pointer="/to", to=action.to[:64])
        self._close_step("returned", passed=False)
        self.emit("returned", step=task.step, task=task.key, comment=action.comment, to=action.to)
        self._reopen(action.to)

    def transfer(self, action: Transfer) -> None:
        task, _ = self._task(action.task)
        self._authorize(task)
        if task.votes:
            raise Conflict("routes.transfer_after_votes", task=self.spec.task(task.key).label)
        if action.department == task.department:
            raise InvalidInput("routes.transfer_same_department", pointer="/department")
        self._replace_task(replace(task, department=action.department, assignee=None))
        self.emit(
            "transferred",
            step=task.step,
            task=task.key,
            comment=action.comment,
            to=action.department,
            previous=task.department,
        )

    def delegate(self, action: Delegate) -> None:
        task, spec_task = self._task(action.task)
        self._authorize(task)
        if spec_task.approval.seats > 1:
            raise InvalidInput("routes.delegate_multi", task=spec_task.label)
        if action.to == self.actor.id:
            raise InvalidInput("routes.delegate_to_self", pointer="/to")
        if action.to == self.s.submitter:
            raise PermissionDenied("routes.delegate_to_applicant")
        self._replace_task(replace(task, assignee=action.to))
        self.emit("delegated", step=task.step, task=task.key, comment=action.comment, to=action.to)

    def withdraw(self, action: Withdraw) -> None:
        if self.actor.id != self.s.submitter:
            raise PermissionDenied("routes.applicant_only")
        for task in self.s.open_tasks:
            self.emit("task_cancelled", step=task.step, task=task.key)
        self.set(status="withdrawn", step=None, tasks=(), supplement=None)
        self.emit("withdrawn", comment=action.reason, clock=self._end_clock(), reason=action.reason)

    # --- decision and after ----------------------------------------------------------

    def decide(self, action: Decide) -> None:
        task, spec_task = self._task(action.task)
        self._require_kind(spec_task, lambda s: s.kind == "decide", "decide")
        self._authorize(task)
        self._not_voted(task)
        if not action.legal_basis.strip():
            raise InvalidInput("routes.legal_basis_required", pointer="/legal_basis")
        if action.outcome == "refused" and not action.reasons.strip():
            raise InvalidInput("routes.reasons_required", pointer="/reasons")
        approve = action.outcome == "approved"
        task = replace(task, votes=(*task.votes, Vote(self.actor.id, approve, self.now)))
        self._close_task(
            task, "approved" if approve else "rejected", action.reasons, action.attachments
        )
        self._close_step(action.outcome, passed=True)
        self._record_decision(
            action.outcome, action.reasons, action.legal_basis, step=task.step, automatic=False
        )
        self._advance(self.spec.index(task.step) + 1)

    def complete(self, action: Complete) -> None:
        task, spec_task = self._task(action.task)
        self._require_kind(spec_task, lambda s: s.post_decision, "complete")
        self._authorize(task)
        task = replace(task, votes=(Vote(self.actor.id, True, self.now),))
        self._close_task(task, "approved", action.comment, action.attachments)
        self._close_step("approved", passed=True)
        self._advance(self.spec.index(task.step) + 1)

    def _granted(self, code: str) -> Decision:
        decision = self.s.decision
        if decision is None or decision.outcome != "approved":
            raise Conflict(code)
        return decision

    def revoke(self, action: Revoke) -> None:
        self._granted("routes.nothing_to_revoke")
        self._authorize_authority()
        if not action.reasons.strip():
            raise InvalidInput("routes.reasons_required", pointer="/reasons")
        if not action.legal_basis.strip():
            raise InvalidInput("routes.legal_basis_required", pointer="/legal_basis")
        for task in self.s.open_tasks:
            self.emit("task_cancelled", step=task.step, task=task.key)
        procedure = Procedure(
            kind="revoke",
            by=self.actor.id,
            at=self.now,
            reasons=action.reasons,
            legal_basis=action.legal_basis,
        )
        self.set(status="revoked", step=None, tasks=(), procedures=(*self.s.procedures, procedure))
        self.emit(
            "revoked",
            comment=action.reasons,
            reasons=action.reasons,
            legal_basis=action.legal_basis,
        )

    def change(self, action: Change) -> None:
        self._granted("routes.nothing_to_change")
        self._authorize_authority()
        if not action.changes:
            raise InvalidInput("routes.changes_required", pointer="/changes")
        if not action.reasons.strip():
            raise InvalidInput("routes.reasons_required", pointer="/reasons")
        procedure = Procedure(
            kind="change",
            by=self.actor.id,
            at=self.now,
            reasons=action.reasons,
            legal_basis=action.legal_basis,
            changes=dict(action.changes),
        )
        self.set(procedures=(*self.s.procedures, procedure))
        self.emit(
            "changed",
            comment=action.reasons,
            changes=dict(action.changes),
            reasons=action.reasons,
            legal_basis=action.legal_basis,
        )


_HANDLERS: Final[dict[type[Any], Callable[[_Run, Any], None]]] = {
    Accept: _Run.accept,
    NotAccept: _Run.not_accept,
    RequestSupplement: _Run.request_supplement,
    Resubmit: _Run.resubmit,
    Approve: _Run.approve,
    Reject: _Run.reject,
    Return: _Run.return_,
    Transfer: _Run.transfer,
    Delegate: _Run.delegate,
    Withdraw: _Run.withdraw,
    Decide: _Run.decide,
    Complete: _Run.complete,
    Revoke: _Run.revoke,
    Change: _Run.change,
}
