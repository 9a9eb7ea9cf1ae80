"""The engine on real routes: lifecycle, modes, parallel joins, supplements, separation of duties."""

from __future__ import annotations

from typing import Any

import pytest

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
)
from yiwang.runtime.routes.engine import apply
from yiwang.runtime.routes.events import Event, Transition
from yiwang.runtime.routes.spec import RouteSpec
from yiwang.runtime.routes.state import CaseState, decode_state, encode_state

from .models import CHENGGUAN, PROVINCE, at, route, staff

APPLICANT = Actor(id="citizen-1", tenant=CHENGGUAN)
CLERK = staff("clerk-1", "window_clerk")
CLERK_2 = staff("clerk-2", "window_clerk")
REVIEWER = staff("rev-1", "dept_reviewer", department="scjgj")
REVIEWER_2 = staff("rev-2", "dept_reviewer", department="scjgj")
RECHECKER = staff(
    "lz-1", "dept_reviewer", department="scjgj"
)  # another reviewer: separation of duties
INSPECTOR_1 = staff("insp-1", "inspector", department="scjgj")
INSPECTOR_2 = staff("insp-2", "inspector", department="scjgj")
HEALTH = staff("wjw-1", "dept_reviewer", department="wjw")
LEADER = staff("lead-1", "dept_leader", department="scjgj")
BASIS = "《中华人民共和国食品安全法》第三十五条"


class Case:
    """One case driven through the engine, as the storage layer would."""

    def __init__(self, spec: RouteSpec, form: dict[str, Any] | None = None) -> None:
        self.spec = spec
        self.form = form or {}
        self.state: CaseState | None = None
        self.clock = 0
        self.timeline: list[Event] = []

    def do(self, action: Action, actor: Actor) -> Transition:
        self.clock += 1
        transition = apply(self.spec, self.state, action, actor, self.form, at(self.clock))
        # what storage keeps must come back the same
        assert decode_state(encode_state(transition.state)) == transition.state
        self.state = transition.state
        self.timeline.extend(transition.events)
        return transition

    def refused(self, action: Action, actor: Actor) -> YiwangError:
        before = self.state
        with pytest.raises(YiwangError) as info:
            apply(self.spec, self.state, action, actor, self.form, at(self.clock + 1))
        assert self.state is before
        return info.value

    @property
    def s(self) -> CaseState:
        assert self.state is not None
        return self.state


def _food() -> Case:
    case = Case(route(CHENGGUAN, "food_business_license", "licensing"))
    case.do(Submit(implementing_department="scjgj", attachments=("obj/1",)), APPLICANT)
    return case


def _kinds(transition: Transition) -> list[str]:
    return [e.kind for e in transition.events]


def test_food_licence_from_submission_to_completion() -> None:
    case = _food()
    assert (case.s.status, case.s.step, case.s.version) == ("submitted", "accept", 1)
    assert case.timeline[0].clock == "started"
    opened = case.timeline[-1]
    assert (opened.kind, opened.data["role"], opened.data["tenant"]) == (
        "task_opened",
        "window_clerk",
        CHENGGUAN,
    )
    assert _kinds(case.do(Accept(comment="材料齐全"), CLERK)) == [
        "task_closed",
        "accepted",
        "step_closed",
        "step_opened",
        "task_opened",
    ]
    assert (case.s.status, case.s.step, case.s.accepted) == ("in_review", "review", True)
    assert case.s.tasks[0].department == "scjgj"  # the implementing department
    case.do(Approve(task="review"), REVIEWER)
    assert case.s.step == "x_lz_recheck"
    case.do(Approve(task="x_lz_recheck"), RECHECKER)
    assert case.s.step == "inspect"
    assert [(t.key, t.department) for t in case.s.open_tasks] == [
        ("site_check", "scjgj"),
        ("health_opinion", "wjw"),
    ]
    case.do(Approve(task="health_opinion", comment="卫生条件符合要求"), HEALTH)
    case.do(Approve(task="site_check"), INSPECTOR_1)
    assert case.s.step == "inspect", "会签: one of two inspectors is not enough"
    joined = case.do(Approve(task="site_check"), INSPECTOR_2)
    assert _kinds(joined)[:4] == ["approved", "task_closed", "step_closed", "step_opened"]
    assert case.s.step == "decide"
    decided = case.do(Decide(outcome="approved", legal_basis=BASIS), LEADER)
    assert [(e.kind, e.clock) for e in decided.events if e.clock] == [("decided", "ended")]
    assert (case.s.status, case.s.step, case.s.decision and case.s.decision.outcome) == (
        "decided",
        "issue",
        "approved",
    )
    done = case.do(Complete(comment="已发证"), CLERK_2)
    assert _kinds(done) == ["task_closed", "step_closed", "completed"]
    assert (case.s.status, case.s.step, case.s.version) == ("completed", None, 9)
    assert case.s.passed == ("accept", "review", "x_lz_recheck", "inspect", "decide", "issue")


def test_the_province_route_has_no_local_recheck() -> None:
    case = Case(route(PROVINCE, "food_business_license", "licensing"))
    case.do(Submit(implementing_department="scjgj"), Actor(id="c", tenant=CHENGGUAN))
    case.do(Accept(), CLERK)
    case.do(Approve(), REVIEWER)
    assert case.s.step == "inspect"


def test_supplement_at_acceptance_once_and_the_clock_stops_meanwhile() -> None:
    case = _food()
    asked = case.do(RequestSupplement(missing=("经营场所平面布局图", "健康证明")), CLERK)
    assert case.s.status == "supplement_requested" and case.s.clock == "stopped"
    event = asked.events[-1]
    assert (event.kind, event.clock, event.data["missing"]) == (
        "supplement_requested",
        "stopped",
        ["经营场所平面布局图", "健康证明"],
    )
    assert case.refused(Accept(), CLERK).code == "routes.action_not_allowed"
    assert case.refused(Resubmit(), CLERK).code == "routes.applicant_only"
    back = case.do(Resubmit(attachments=("obj/2",)), APPLICANT)
    assert back.events[0].clock == "resumed"
    assert (case.s.status, case.s.step, case.s.clock) == ("submitted", "accept", "running")
    again = case.refused(RequestSupplement(missing=("营业执照",)), CLERK)
    assert (type(again), again.code) == (Conflict, "routes.supplement_once")
    assert "一次性告知" in again.message()
    assert case.refused(RequestSupplement(missing=(" ",)), CLERK).code == "routes.missing_required"
    case.do(Accept(), CLERK)
    assert case.s.step == "review"


def test_not_accepted_needs_a_reason_and_ends_the_case() -> None:
    case = _food()
    assert case.refused(NotAccept(reason=""), CLERK).code == "routes.reason_required"
    closed = case.do(
        NotAccept(reason="不属于本机关职权范围", legal_basis="《行政许可法》第三十二条"), CLERK
    )
    assert closed.events[-1].clock == "ended"
    assert (case.s.status, case.s.step, case.s.clock) == ("not_accepted", None, "ended")
    assert case.refused(Withdraw(), APPLICANT).code == "routes.action_not_allowed"


def test_nobody_acts_on_their_own_case() -> None:
    reviewer_applies = staff("rev-1", "dept_reviewer", "window_clerk", department="scjgj")
    case = Case(route(CHENGGUAN, "food_business_license", "licensing"))
    case.do(Submit(implementing_department="scjgj"), reviewer_applies)
    error = case.refused(Accept(), reviewer_applies)
    assert (type(error), error.code) == (PermissionDenied, "routes.own_case")
    case.do(Accept(), CLERK)
    assert case.refused(Approve(), reviewer_applies).code == "routes.own_case"


def test_roles_and_departments_are_checked_and_steps_cannot_be_skipped() -> None:
    case = _food()
    assert case.refused(Accept(), REVIEWER).code == "routes.role_required"
    case.do(Accept(), CLERK)
    wrong_department = staff("rev-x", "dept_reviewer", department="wjw")
    error = case.refused(Approve(task="review"), wrong_department)
    assert (type(error), error.code) == (PermissionDenied, "routes.role_required")
    assert "scjgj" in error.message()
    skipping = case.refused(Approve(task="site_check"), INSPECTOR_1)
    assert (type(skipping), skipping.code) == (Conflict, "routes.step_not_active")
    assert case.refused(Decide(outcome="approved", legal_basis=BASIS), LEADER).code == (
        "routes.wrong_action"
    )
    assert case.refused(Approve(task="nothing"), REVIEWER).code == "routes.task_unknown"
    other_tenant = staff("rev-9", "dept_reviewer", department="scjgj", tenant="620103")
    assert case.refused(Approve(), other_tenant).code == "routes.wrong_tenant"


def test_two_approvers_race_one_wins_the_other_gets_a_conflict() -> None:
    case = _food()
    case.do(Accept(), CLERK)
    shared = case.s
    first = apply(case.spec, shared, Approve(task="review"), REVIEWER, {}, at(10))
    second = apply(case.spec, shared, Approve(task="review"), REVIEWER_2, {}, at(10))
    assert first.state.version == second.state.version == shared.version + 1
    # storage: UPDATE ... WHERE version = shared.version lets only the first in;
    # the second reloads the winner's state and tries again
    with pytest.raises(Conflict) as info:
        apply(case.spec, first.state, Approve(task="review"), REVIEWER_2, {}, at(11))
    assert info.value.code == "routes.task_closed"
    assert "材料审查" in info.value.message()


def test_countersignature_counts_each_person_once() -> None:
    case = _food()
    for action, actor in (
        (Accept(), CLERK),
        (Approve(), REVIEWER),
        (Approve(), RECHECKER),
        (Approve(task="site_check"), INSPECTOR_1),
    ):
        case.do(action, actor)
    again = case.refused(Approve(task="site_check"), INSPECTOR_1)
    assert (type(again), again.code) == (Conflict, "routes.already_decided")
    assert case.refused(Approve(), INSPECTOR_2).code == "routes.task_required"
    assert case.refused(Delegate(task="site_check", to="insp-3"), INSPECTOR_2).code == (
        "routes.delegate_multi"
    )


def test_one_rejected_inspection_refuses_the_case_and_cancels_the_other_branch() -> None:
    case = _food()
    for action, actor in ((Accept(), CLERK), (Approve(), REVIEWER), (Approve(), RECHECKER)):
        case.do(action, actor)
    case.do(Approve(task="site_check"), INSPECTOR_1)
    no_basis = case.refused(Reject(task="site_check", comment="场所不符合"), INSPECTOR_2)
    assert no_basis.code == "routes.legal_basis_required"
    refused = case.do(
        Reject(task="site_check", comment="加工场所与申请不符", legal_basis=BASIS), INSPECTOR_2
    )
    assert _kinds(refused)[:6] == [
        "rejected",
        "task_closed",
        "task_cancelled",
        "step_closed",
        "decided",
        "step_opened",
    ]
    decision = case.s.decision
    assert decision is not None
    assert (decision.outcome, decision.step, decision.by, decision.legal_basis) == (
        "refused",
        "inspect",
        "insp-2",
        BASIS,
    )
    assert (case.s.status, case.s.step) == ("decided", "issue")
    assert case.refused(Approve(task="health_opinion"), HEALTH).code == "routes.action_not_allowed"
    case.do(Complete(), CLERK)
    assert case.s.status == "completed"
    assert case.refused(Revoke(reasons="x", legal_basis="y"), LEADER).code == (
        "routes.nothing_to_revoke"
    )


def test_a_health_objection_returns_the_case_to_the_applicant() -> None:
    case = _food()
    for action, actor in ((Accept(), CLERK), (Approve(), REVIEWER), (Approve(), RECHECKER)):
        case.do(action, actor)
    case.do(Approve(task="site_check"), INSPECTOR_1)
    case.do(
        Reject(task="health_opinion", comment="缺少从业人员健康证明", missing=("健康证明",)),
        HEALTH,
    )
    supplement = case.s.supplement
    assert supplement is not None
    assert (supplement.at_acceptance, supplement.resume_step, supplement.missing) == (
        False,
        "inspect",
        ("健康证明",),
    )
    assert (case.s.status, case.s.clock, case.s.open_tasks) == (
        "supplement_requested",
        "stopped",
        (),
    )
    case.do(Resubmit(attachments=("obj/health",)), APPLICANT)
    # the whole parallel step runs again, as a new round: the first inspector counts again
    assert [t.round for t in case.s.tasks] == [case.s.rounds, case.s.rounds]
    case.do(Approve(task="site_check"), INSPECTOR_1)
    site = case.s.task("site_check")
    assert site is not None and (site.approvals, site.closed) == (1, False)


def test_return_to_an_earlier_review_step_reopens_it() -> None:
    case = _food()
    for action, actor in ((Accept(), CLERK), (Approve(), REVIEWER), (Approve(), RECHECKER)):
        case.do(action, actor)
    assert case.refused(Return(task="health_opinion", to="review", comment=""), HEALTH).code == (
        "routes.reasons_required"
    )
    assert case.refused(
        Return(task="health_opinion", to="accept", comment="重审"), HEALTH
    ).code == ("routes.return_target_invalid")
    case.do(Return(task="health_opinion", to="review", comment="请重新审查面积"), HEALTH)
    assert (case.s.step, case.s.passed) == ("review", ("accept",))
    case.do(Approve(), REVIEWER)  # a new round: the same reviewer decides again
    assert case.s.step == "x_lz_recheck"


def test_transfer_and_delegation() -> None:
    case = _food()
    case.do(Accept(), CLERK)
    assert case.refused(Transfer(department="scjgj"), REVIEWER).code == (
        "routes.transfer_same_department"
    )
    case.do(Transfer(department="zwfw", comment="属政务服务局审查"), REVIEWER)
    assert case.s.tasks[0].department == "zwfw"
    assert case.refused(Approve(), REVIEWER).code == "routes.role_required"
    zwfw = staff("zw-1", "dept_reviewer", department="zwfw")
    zwfw_2 = staff("zw-2", "dept_reviewer", department="zwfw")
    assert case.refused(Delegate(to="zw-1"), zwfw).code == "routes.delegate_to_self"
    assert case.refused(Delegate(to="citizen-1"), zwfw).code == "routes.delegate_to_applicant"
    case.do(Delegate(to="zw-2"), zwfw)
    assert case.refused(Approve(), zwfw).code == "routes.delegated_to_other"
    case.do(Approve(), zwfw_2)
    assert case.s.step == "x_lz_recheck"


def test_withdrawal_by_the_applicant_only_and_never_after_the_decision() -> None:
    case = _food()
    case.do(Accept(), CLERK)
    assert case.refused(Withdraw(), REVIEWER).code == "routes.applicant_only"
    withdrawn = case.do(Withdraw(reason="不再经营"), APPLICANT)
    assert _kinds(withdrawn) == ["task_cancelled", "withdrawn"]
    assert (case.s.status, case.s.clock, case.s.tasks) == ("withdrawn", "ended", ())
    assert case.refused(Resubmit(), APPLICANT).code == "routes.action_not_allowed"


def _decided_food() -> Case:
    case = _food()
    for action, actor in (
        (Accept(), CLERK),
        (Approve(), REVIEWER),
        (Approve(), RECHECKER),
        (Approve(task="site_check"), INSPECTOR_1),
        (Approve(task="site_check"), INSPECTOR_2),
        (Approve(task="health_opinion"), HEALTH),
    ):
        case.do(action, actor)
    assert case.refused(Decide(outcome="refused", legal_basis=BASIS), LEADER).code == (
        "routes.reasons_required"
    )
    assert case.refused(Decide(outcome="approved", legal_basis=" "), LEADER).code == (
        "routes.legal_basis_required"
    )
    # built in Python, msgspec checks no Literal: the engine refuses what no decision can be
    stray = Decide(outcome="rejected", legal_basis=BASIS)
    assert case.refused(stray, LEADER).code == "routes.outcome_unknown"
    case.do(Decide(outcome="approved", legal_basis=BASIS), LEADER)
    return case


def test_a_decided_case_changes_only_by_completion_revocation_and_change() -> None:
    case = _decided_food()
    decision = case.s.decision
    for action, actor in (
        (Approve(task="review"), REVIEWER),
        (Decide(outcome="refused", reasons="改判", legal_basis=BASIS), LEADER),
        (Return(task="issue", to="review", comment="重审"), CLERK),
        (Withdraw(), APPLICANT),
        (Change(changes={"premises_address": "新址"}, reasons="迁址"), LEADER),
    ):
        assert case.refused(action, actor).code == "routes.action_not_allowed"
    case.do(Complete(), CLERK)
    assert case.s.decision == decision
    assert (
        case.refused(Change(changes={}, reasons="迁址"), LEADER).code == "routes.changes_required"
    )
    assert (
        case.refused(Change(changes={"a": 1}, reasons="迁址"), CLERK).code == "routes.role_required"
    )
    changed = case.do(
        Change(changes={"premises_address": "城关区张掖路 1 号"}, reasons="经营场所门牌调整"),
        LEADER,
    )
    assert changed.events[-1].data["changes"] == {"premises_address": "城关区张掖路 1 号"}
    assert (case.s.status, case.s.decision) == ("completed", decision)
    revoked = case.do(
        Revoke(reasons="以欺骗手段取得许可", legal_basis="《行政许可法》第六十九条"), LEADER
    )
    assert revoked.events[-1].kind == "revoked"
    assert [p.kind for p in case.s.procedures] == ["change", "revoke"]
    assert (case.s.status, case.s.decision) == ("revoked", decision)
    assert case.refused(Change(changes={"a": 1}, reasons="x"), LEADER).code == (
        "routes.action_not_allowed"
    )


def test_double_submission_and_other_versions_are_refused() -> None:
    case = _food()
    assert case.refused(Submit(implementing_department="scjgj"), APPLICANT).code == (
        "routes.already_submitted"
    )
    other = route(PROVINCE, "food_business_license", "licensing")
    with pytest.raises(Conflict) as info:
        apply(other, case.s, Accept(), CLERK, {}, at(5))
    assert info.value.code == "routes.route_version_mismatch"
    with pytest.raises(InvalidInput) as missing:
        apply(case.spec, None, Submit(), APPLICANT, {}, at(5))
    assert missing.value.code == "routes.implementing_department_required"


def _fire(needs_expert: bool) -> Case:
    case = Case(
        route(PROVINCE, "fire_design_review", "review"), {"needs_expert_review": needs_expert}
    )
    case.do(Submit(implementing_department="zjj"), Actor(id="builder", tenant=CHENGGUAN))
    case.do(Accept(), CLERK)
    for branch, actor_id in (
        ("architecture_review", "a"),
        ("water_review", "b"),
        ("electrical_review", "c"),
    ):
        case.do(Approve(task=branch), staff(actor_id, "dept_reviewer", department="zjj"))
    return case


def test_a_conditional_step_is_skipped_when_its_condition_fails() -> None:
    case = _fire(needs_expert=False)
    assert case.s.step == "decide"
    assert case.s.skipped == ("expert_review",)
    assert [e.data for e in case.timeline if e.kind == "step_skipped"] == [{"reason": "condition"}]


def test_expert_review_stops_the_clock_and_five_of_seven_decide() -> None:
    case = _fire(needs_expert=True)
    assert (case.s.step, case.s.clock, case.s.clock_stops) == (
        "expert_review",
        "stopped",
        ("step:expert_review",),
    )
    experts = [staff(f"exp-{i}", "expert") for i in range(7)]
    for expert in experts[:2]:
        case.do(Reject(comment="防火分区不满足", legal_basis="GB 50016"), expert)
    for expert in experts[2:6]:
        case.do(Approve(), expert)
    assert (case.s.step, case.s.tasks[0].approvals, case.s.tasks[0].rejections) == (
        "expert_review",
        4,
        2,
    )
    closing = case.do(Approve(), experts[6])
    step_closed = next(e for e in closing.events if e.kind == "step_closed")
    assert step_closed.clock == "resumed"
    assert (case.s.step, case.s.clock) == ("decide", "running")


def test_three_expert_rejections_refuse_the_design() -> None:
    case = _fire(needs_expert=True)
    experts = [staff(f"exp-{i}", "expert") for i in range(3)]
    case.do(Approve(), staff("exp-9", "expert"))
    for expert in experts:
        case.do(Reject(comment="不满足规范", legal_basis="GB 50016"), expert)
    decision = case.s.decision
    assert decision is not None and (decision.outcome, decision.step) == (
        "refused",
        "expert_review",
    )
    assert (case.s.status, case.s.step, case.s.clock) == ("decided", "issue", "ended")


def test_subsistence_publicity_objection_sends_the_case_back_to_the_survey() -> None:
    case = Case(route(CHENGGUAN, "subsistence_allowance", "confirmation"))
    case.do(Submit(), Actor(id="resident", tenant=CHENGGUAN))
    case.do(Accept(), CLERK)
    visitors = [staff(f"v{i}", "dept_reviewer") for i in range(3)]
    checker = staff("mz-1", "dept_reviewer", department="mzj")
    case.do(Approve(task="home_visit"), visitors[0])
    case.do(Approve(task="economic_check"), checker)
    assert case.s.step == "survey", "入户调查 needs two visitors"
    case.do(Approve(task="home_visit"), visitors[1])
    assert (case.s.step, case.s.clock) == ("publicity", "stopped")
    case.do(Reject(comment="群众反映有经营收入"), visitors[2])
    assert (case.s.step, case.s.clock, case.s.passed) == ("survey", "running", ("accept",))
    returned = [e for e in case.timeline if e.kind == "returned"]
    assert [e.data["to"] for e in returned] == ["survey"]


def test_a_list_review_starts_with_the_drafter_and_experts_only_advise() -> None:
    drafter = staff("op-1", "dept_operator", tenant=PROVINCE)
    case = Case(route(PROVINCE, "power_item", "list_review"))
    assert (
        case.refused(Submit(), Actor(id="nobody", tenant=PROVINCE)).code == "routes.role_required"
    )
    case.do(Submit(), drafter)
    assert (case.s.status, case.s.step, case.s.passed) == ("in_review", "review", ("draft",))
    case.do(Approve(), staff("bb-1", "establishment_reviewer", tenant=PROVINCE))
    experts = [staff(f"e{i}", "expert", tenant=PROVINCE) for i in range(3)]
    for expert in experts:
        case.do(Reject(comment="建议合并事项"), expert)
    # 3 of 5 without a veto: three "no" votes close it, and `continue` goes on
    assert case.s.step == "approve"
    closed = [e for e in case.timeline if e.kind == "step_closed" and e.step == "consult"]
    assert closed[0].data == {"outcome": "approved", "objections": ["consult"]}
    case.do(
        Decide(outcome="approved", legal_basis="省政府常务会议审定"),
        staff("gov", "government_leader", tenant=PROVINCE),
    )
    case.do(Complete(), staff("bb-2", "establishment_reviewer", tenant=PROVINCE))
    assert case.s.status == "completed"


def test_a_route_without_a_decide_step_is_decided_by_its_last_review() -> None:
    case = Case(route(CHENGGUAN, "consultation", "answering"))
    case.do(Submit(), APPLICANT)
    assert (case.s.status, case.s.step) == ("in_review", "answer")
    answered = case.do(Approve(comment="可在网上办理"), staff("d1", "dept_reviewer"))
    assert _kinds(answered)[-2:] == ["decided", "completed"]
    decision = case.s.decision
    assert decision is not None and decision.automatic and decision.outcome == "approved"
    assert case.s.status == "completed"
