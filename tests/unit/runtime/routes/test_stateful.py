"""Random actors and actions against the engine on real routes; the invariants after every step.

The checks recompute what they need from the route definitions and from the
events, not from the engine's own arithmetic:
- nobody acts as staff on a case they submitted;
- nobody votes twice on one task in one round;
- no step is skipped: the steps before the active one were each passed, or
  skipped because their condition failed on the form (a refusal by a review
  step jumps to the post-decision steps, which is the route's own outcome);
- a decided case keeps its decision and changes only by 办结, 撤销 and 变更;
- a parallel step closes only after every branch of the round closed;
- tasks close exactly when their mode's arithmetic says so;
- the version grows by one, the clock agrees with the state, the state
  round-trips through JSON, and every refusal leaves the state as it was.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from yiwang.platform.errors import Conflict, InvalidInput, PermissionDenied, YiwangError
from yiwang.runtime.routes.actions import (
    Accept,
    Action,
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
from yiwang.runtime.routes.engine import ALLOWED, apply
from yiwang.runtime.routes.events import Transition
from yiwang.runtime.routes.spec import RouteSpec
from yiwang.runtime.routes.state import CaseState, Decision, decode_state, encode_state

from .models import CHENGGUAN, PROVINCE, at, route

#: (tenant, document, route, implementing department, form fields drawn as booleans)
ROUTES: list[tuple[str, str, str, str | None, tuple[str, ...]]] = [
    (CHENGGUAN, "food_business_license", "licensing", "scjgj", ()),
    (PROVINCE, "fire_design_review", "review", "zjj", ("needs_expert_review",)),
    (CHENGGUAN, "subsistence_allowance", "confirmation", None, ()),
    (PROVINCE, "power_item", "list_review", None, ()),
    (CHENGGUAN, "consultation", "answering", None, ()),
    (CHENGGUAN, "public_place_hygiene", "licensing", "wjw", ()),
]
APPLICANT_ACTIONS = frozenset({"submit", "resubmit", "withdraw"})
AFTER_DECISION = frozenset({"complete", "transfer", "delegate", "revoke", "change"})
#: names drawn, repeated to weight them: most draws vote, few end the case early
NAMES = [
    *["approve"] * 8,
    *["reject"] * 3,
    *["accept"] * 3,
    *["decide"] * 3,
    *["complete"] * 3,
    "request_supplement",
    "resubmit",
    "resubmit",
    "return",
    "transfer",
    "delegate",
    "revoke",
    "change",
    "not_accept",
    "withdraw",
]


def _rule_numbers(task: dict[str, Any]) -> tuple[int, int]:
    """(approvals needed, rejections that close) read straight from the definition."""
    mode = task.get("mode", "single")
    if mode == "all":
        return task["approvers"], 1
    if mode == "n_of_m":
        n, m = task["n"], task["approvers"]
        return n, 1 if task["reject_decides"] else m - n + 1
    return 1, 1


class RouteMachine(RuleBasedStateMachine):
    spec: RouteSpec
    state: CaseState
    tenant: str
    form: dict[str, Any]
    actors: list[Actor]
    submitter: Actor
    clock: int

    def __init__(self) -> None:
        super().__init__()
        self.decision: Decision | None = None
        #: (task, round) -> [(actor, approve)] as the events tell it
        self.votes: dict[tuple[str, int], list[tuple[str, bool]]] = defaultdict(list)
        #: step -> tasks closed since the step last opened
        self.closed: dict[str, set[str]] = defaultdict(set)
        self.numbers: dict[str, tuple[int, int]] = {}
        self.definitions: dict[str, dict[str, Any]] = {}

    # --- set-up --------------------------------------------------------------------

    @initialize(data=st.data())
    def submit(self, data: st.DataObject) -> None:
        tenant, document, key, implementing, flags = data.draw(st.sampled_from(ROUTES))
        self.spec = route(tenant, document, key)
        self.tenant = tenant
        self.form = {flag: data.draw(st.booleans(), label=flag) for flag in flags}
        for step in self.spec.definition["steps"]:
            for task in step.get("branches", [step]):
                self.numbers[task["key"]] = _rule_numbers(task)
            self.definitions[step["key"]] = step
        holders: list[Actor] = []
        seats: dict[tuple[str, str | None], int] = {}
        assignees = [t.assignee for s in self.spec.steps for t in s.tasks]
        for assignee in [*assignees, self.spec.authority]:
            place = (assignee.role, assignee.department_for(implementing))
            needed = max((t.approval.seats for s in self.spec.steps for t in s.tasks), default=1)
            seats[place] = needed + 1
        for (role, department), count in sorted(seats.items(), key=str):
            holders += [
                Actor(f"{role}@{department}#{i}", tenant, frozenset({role}), department)
                for i in range(count)
            ]
        roles = frozenset(r for r, _ in seats)
        # the applicant holds every role at the implementing department: only the rule stops them
        self.submitter = Actor("applicant", tenant, roles, implementing)
        self.actors = [
            *holders,
            self.submitter,
            Actor("stranger", tenant),
            Actor("elsewhere", tenant, roles, "no_such_department"),
            Actor("other-tenant", "620403", roles, implementing),
        ]
        self.clock = 0
        transition = apply(
            self.spec,
            None,
            Submit(implementing_department=implementing),
            self.submitter,
            self.form,
            at(0),
        )
        self._record(transition, "submit", self.submitter, before=None)
        self.state = transition.state

    # --- the rules: someone does something that fits, or tries anything ------------------

    @rule(data=st.data())
    def act_on_an_open_task(self, data: st.DataObject) -> None:
        """Mostly what a real office does next, so runs reach decisions and beyond."""
        s = self.state
        if s.status == "supplement_requested":
            self._try(Resubmit(attachments=("obj/y",)), self.submitter)
            return
        if not s.open_tasks:
            authority = self.spec.authority
            department = authority.department_for(s.implementing_department)
            deciders = [
                a for a in self.actors if authority.role in a.roles and a.department == department
            ]
            name = data.draw(st.sampled_from(["revoke", "change"]), label="procedure")
            self._try(self._action(data, name, None), data.draw(st.sampled_from(deciders)))
            return
        task = data.draw(st.sampled_from(s.open_tasks), label="open task")
        fitting = [
            a
            for a in self.actors
            if task.role in a.roles
            and a.department == task.department
            and a.tenant == self.tenant
            and a.id != self.submitter.id
            and not task.voted(a.id)
            and (task.assignee is None or task.assignee == a.id)
        ]
        if not fitting:
            return
        actor = data.draw(st.sampled_from(fitting), label="fitting actor")
        kind = self.spec.step(task.step).kind
        if kind == "accept":
            names = ["accept"] * 6 + ["request_supplement", "not_accept"]
        elif kind == "decide":
            names = ["decide"] * 6 + ["return", "transfer"]
        elif kind in ("issue", "publish"):
            names = ["complete"] * 6 + ["delegate"]
        elif self.spec.task(task.key).approval.seats > 1:
            # votes of several people: enough "no" votes to test where they close the task
            names = ["approve"] * 5 + ["reject"] * 4 + ["return", "transfer"]
        else:
            names = ["approve"] * 8 + ["reject"] * 3 + ["return", "transfer", "delegate"]
        name = data.draw(st.sampled_from(names), label="fitting action")
        self._try(self._action(data, name, task.key), actor)

    @rule(data=st.data())
    def try_anything(self, data: st.DataObject) -> None:
        s = self.state
        allowed = sorted(ALLOWED[s.status])
        if allowed and data.draw(st.booleans(), label="plausible name"):
            pool = [n for n in NAMES if n in allowed] or allowed
            name = data.draw(st.sampled_from(pool), label="action")
        else:
            name = data.draw(st.sampled_from(NAMES), label="action")
        open_keys = [t.key for t in s.open_tasks]
        all_keys = [t.key for step in self.spec.steps for t in step.tasks]
        task = data.draw(
            st.sampled_from(open_keys)
            if open_keys and data.draw(st.booleans())
            else st.sampled_from([None, *all_keys]),
            label="task",
        )
        self._try(self._action(data, name, task), self._actor(data, task))

    def _try(self, action: Action, actor: Actor) -> None:
        before = self.state
        self.clock += 1
        try:
            transition = apply(self.spec, before, action, actor, self.form, at(self.clock))
        except YiwangError as error:
            assert isinstance(error, (Conflict, PermissionDenied, InvalidInput)), error
            assert error.code.startswith("routes."), error.code
            assert "{" not in error.message() and error.message() != error.code
            assert self.state is before
            return
        self._record(transition, action_name(action), actor, before=before)
        self.state = transition.state

    def _actor(self, data: st.DataObject, task: str | None) -> Actor:
        keys = [task] if task else [t.key for t in self.state.open_tasks]
        tasks = [t for t in self.state.tasks if t.key in keys]
        fitting = [
            a
            for a in self.actors
            if any(t.role in a.roles and a.department == t.department for t in tasks)
        ]
        if fitting and data.draw(st.integers(0, 3), label="fitting") > 0:
            return data.draw(st.sampled_from(fitting), label="actor")
        return data.draw(st.sampled_from(self.actors), label="actor")

    def _action(self, data: st.DataObject, name: str, task: str | None) -> Action:
        def pick(*options: Any) -> Any:
            return data.draw(st.sampled_from(options))

        basis = pick("", "《中华人民共和国行政许可法》第三十八条")
        reasons = pick("", "不符合法定条件")
        if name == "accept":
            return Accept()
        if name == "not_accept":
            return NotAccept(reason=pick("", "材料不齐"))
        if name == "request_supplement":
            return RequestSupplement(missing=pick((), ("身份证明",), ("场所证明", "健康证明")))
        if name == "resubmit":
            return Resubmit(attachments=("obj/x",))
        if name == "approve":
            return Approve(task=task)
        if name == "reject":
            return Reject(
                task=task,
                comment=reasons or pick("", "意见"),
                legal_basis=basis,
                missing=pick((), ("补充材料",)),
            )
        if name == "return":
            return Return(
                to=pick(*[s.key for s in self.spec.steps]), task=task, comment="请重新审查"
            )
        if name == "transfer":
            return Transfer(department=pick("scjgj", "wjw", "zjj", "zwfw"), task=task)
        if name == "delegate":
            return Delegate(to=pick(*[a.id for a in self.actors]), task=task)
        if name == "withdraw":
            return Withdraw(reason="不再申请")
        if name == "decide":
            return Decide(
                outcome=pick("approved", "refused"), legal_basis=basis, reasons=reasons, task=task
            )
        if name == "complete":
            return Complete(task=task)
        if name == "revoke":
            return Revoke(reasons=reasons, legal_basis=basis)
        return Change(changes=pick({}, {"premises_address": "新址"}), reasons="门牌调整")

    # --- what every transition must keep ----------------------------------------------

    def _record(
        self, transition: Transition, name: str, actor: Actor, *, before: CaseState | None
    ) -> None:
        new = transition.state
        spec = self.spec
        # no self-dealing: staff actions never come from the applicant
        if name not in APPLICANT_ACTIONS:
            assert actor.id != new.submitter, (name, actor.id)
        else:
            assert name == "submit" or actor.id == new.submitter
        assert new.version == (before.version if before else 0) + 1
        # decided cases: the decision is kept, and only 办结 / 撤销 / 变更 (or passing on
        # a post-decision task) change them
        if before is not None and before.decision is not None:
            assert name in AFTER_DECISION, name
            assert new.decision == before.decision
            decided_at = spec.post_decision_start
            assert [k for k in new.passed if spec.index(k) < decided_at] == [
                k for k in before.passed if spec.index(k) < decided_at
            ]
        if self.decision is not None:
            assert new.decision == self.decision
        elif new.decision is not None:
            self.decision = new.decision
        for event in transition.events:
            if event.kind == "step_opened":
                self.closed[event.step or ""] = set()
                for task in spec.step(event.step or "").tasks:
                    self.votes[(task.key, event.data["round"])] = []
            elif event.kind in ("approved", "rejected"):
                round_ = self._round(event.task or "", new, before)
                voters = self.votes[(event.task or "", round_)]
                assert event.actor not in [v for v, _ in voters], "one person counts once"
                voters.append((event.actor or "", event.kind == "approved"))
            elif event.kind == "task_closed":
                self.closed[event.step or ""].add(event.task or "")
                self._check_arithmetic(event.task or "", event.data["outcome"], new, before)
            elif event.kind == "step_closed" and event.data["outcome"] == "approved":
                step = spec.step(event.step or "")
                if step.kind != "draft":
                    # the join: every branch of this round has closed
                    assert self.closed[step.key] == {t.key for t in step.tasks}, step.key
        # every task of the active step: distinct voters, arithmetic of the open ones
        for task in new.tasks:
            voters = [v.actor for v in task.votes]
            assert len(voters) == len(set(voters))
            needed, to_close = self.numbers[task.key]
            if not task.closed and spec.step(task.step).voting:
                assert task.approvals < needed and task.rejections < to_close
        self._check_no_skipped_step(new)
        self._check_clock(new)
        assert decode_state(encode_state(new)) == new

    def _round(self, task: str, new: CaseState, before: CaseState | None) -> int:
        current = new.task(task) or (before.task(task) if before else None)
        assert current is not None
        return current.round

    def _check_arithmetic(
        self, task: str, outcome: str, new: CaseState, before: CaseState | None
    ) -> None:
        spec_task = self.spec.task(task)
        if not self.spec.step(spec_task.step).voting:
            return
        round_ = self._round(task, new, before)
        votes = self.votes[(task, round_)]
        approvals = sum(1 for _, yes in votes if yes)
        rejections = len(votes) - approvals
        needed, to_close = self.numbers[task]
        if outcome == "approved":
            assert (approvals, rejections < to_close) == (needed, True), (task, votes)
        else:
            assert (rejections, approvals < needed) == (to_close, True), (task, votes)

    def _check_no_skipped_step(self, s: CaseState) -> None:
        spec = self.spec
        indexes = [spec.index(k) for k in s.passed]
        assert indexes == sorted(set(indexes)), s.passed
        for key in s.skipped:
            step = spec.step(key)
            assert step.when is not None and not step.when.holds(self.form), key
            assert key not in s.passed
        if s.step is None and s.status != "completed":
            return
        reached = spec.index(s.step) if s.step is not None else len(spec.steps)
        exempt: set[int] = set()
        decision = s.decision
        if decision is not None and decision.step is not None:
            decided = spec.index(decision.step)
            exempt = set(range(decided + 1, spec.post_decision_start))
        covered = set(indexes) | {spec.index(k) for k in s.skipped}
        assert covered == set(range(reached)) - exempt, (s.step, s.passed, s.skipped)

    def _check_clock(self, s: CaseState) -> None:
        ended = s.decision is not None or s.status in ("withdrawn", "not_accepted")
        assert (s.clock == "ended") == ended, (s.clock, s.status)
        if not ended:
            assert (s.clock == "stopped") == bool(s.clock_stops)
            assert ("supplement" in s.clock_stops) == (s.supplement is not None)

    @invariant()
    def terminal_cases_offer_no_task(self) -> None:
        if getattr(self, "state", None) is None:
            return
        if self.state.status in ("not_accepted", "withdrawn", "revoked", "completed"):
            assert self.state.open_tasks == () and self.state.step is None


RouteMachine.TestCase.settings = settings(
    max_examples=60,
    stateful_step_count=40,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestRouteMachine = RouteMachine.TestCase
