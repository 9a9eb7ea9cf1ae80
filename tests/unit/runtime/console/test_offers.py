"""The actions the console offers: exactly what the engine accepts from the person now."""

from __future__ import annotations

from yiwang.runtime.console.offers import Offer, offers
from yiwang.runtime.console.people import Colleague
from yiwang.runtime.routes.actions import Accept, Actor, Approve, Delegate, Submit
from yiwang.runtime.routes.engine import apply
from yiwang.runtime.routes.state import CaseState

from ..routes.models import CHENGGUAN, at, route, staff

APPLICANT = Actor(id="citizen-1", tenant=CHENGGUAN)
CLERK = staff("clerk-1", "window_clerk")
REVIEWER = staff("rev-1", "dept_reviewer", department="scjgj")
HEALTH = staff("wjw-1", "dept_reviewer", department="wjw")
INSPECTOR = staff("insp-1", "inspector", department="scjgj")
RECHECKER = staff("lz-1", "dept_reviewer", department="scjgj")
LEADER = staff("lead-1", "dept_leader", department="scjgj")
SPEC = route(CHENGGUAN, "food_business_license", "licensing")


def _submitted() -> CaseState:
    return apply(SPEC, None, Submit(implementing_department="scjgj"), APPLICANT, {}, at(0)).state


def _names(found: list[Offer]) -> list[tuple[str, str, str | None]]:
    return [(o.action, o.task, o.outcome) for o in found]


def test_a_clerk_is_offered_the_three_acceptance_actions_and_nobody_else_is() -> None:
    state = _submitted()
    found = offers(SPEC, state, CLERK, {}, at(1))
    assert _names(found) == [
        ("accept", "accept", None),
        ("not_accept", "accept", None),
        ("request_supplement", "accept", None),
    ]
    not_accept = found[1]
    assert not_accept.required == ("reason",) and not_accept.task_label == "窗口受理"
    for other in (REVIEWER, LEADER, APPLICANT):
        assert offers(SPEC, state, other, {}, at(1)) == []
    # nobody handles their own case, whatever roles they hold
    own = Actor(id=APPLICANT.id, tenant=CHENGGUAN, roles=frozenset({"window_clerk"}))
    assert offers(SPEC, state, own, {}, at(1)) == []


def test_reviewers_vote_and_a_return_to_the_applicant_asks_what_is_missing() -> None:
    state = apply(SPEC, _submitted(), Accept(), CLERK, {}, at(1)).state
    found = offers(SPEC, state, REVIEWER, {}, at(2))
    assert _names(found) == [("approve", "review", None), ("reject", "review", None)]
    # this step's rejection returns the case to the applicant: the form lists what to correct
    assert "missing" in found[1].required
    assert offers(SPEC, state, CLERK, {}, at(2)) == []


def test_each_branch_of_a_parallel_step_is_offered_to_its_own_department() -> None:
    state = apply(SPEC, _submitted(), Accept(), CLERK, {}, at(1)).state
    state = apply(SPEC, state, Approve(task="review"), REVIEWER, {}, at(2)).state
    # 兰州市's overlay inserts its own recheck before the parallel step (it may send it back)
    assert [o.action for o in offers(SPEC, state, RECHECKER, {}, at(3))] == [
        "approve",
        "reject",
        "return",
    ]
    state = apply(SPEC, state, Approve(task="x_lz_recheck"), RECHECKER, {}, at(3)).state
    assert [(o.action, o.task) for o in offers(SPEC, state, INSPECTOR, {}, at(3))] == [
        ("approve", "site_check"),
        ("reject", "site_check"),
        ("return", "site_check"),
    ]
    health = offers(SPEC, state, HEALTH, {}, at(3))
    assert {o.task for o in health} == {"health_opinion"}
    # neither branch is the reviewer's: another role, another department
    assert offers(SPEC, state, REVIEWER, {}, at(3)) == []


DEPARTMENTS = {"scjgj": "市场监督管理局", "wjw": "卫生健康委员会"}


def _colleague(actor: Actor, label: str) -> Colleague:
    return Colleague(actor.id, label, actor.roles)


def _reviewing() -> CaseState:
    return apply(SPEC, _submitted(), Accept(), CLERK, {}, at(1)).state


def test_transfer_lists_the_other_departments_and_delegation_the_role_holders() -> None:
    colleague = staff("rev-2", "dept_reviewer", department="scjgj")
    people = [
        _colleague(REVIEWER, "本人"),
        _colleague(colleague, "同事"),
        _colleague(CLERK, "窗口"),  # no dept_reviewer role: cannot take the review
        Colleague(APPLICANT.id, "申请人", frozenset({"dept_reviewer"})),
    ]
    found = offers(SPEC, _reviewing(), REVIEWER, {}, at(2), departments=DEPARTMENTS, people=people)
    by_action = {o.action: o for o in found}
    # at the first review step nothing was passed that a return could go back to
    assert list(by_action) == ["approve", "reject", "transfer", "delegate"]
    assert by_action["transfer"].choice == "department"
    assert by_action["transfer"].choices == (("wjw", "卫生健康委员会"),)
    # the engine refuses oneself and the applicant; the clerk does not hold the role
    assert by_action["delegate"].choice == "to"
    assert by_action["delegate"].choices == (("rev-2", "同事"),)
    # nobody else is offered a handover of a task that is not theirs
    assert offers(SPEC, _reviewing(), CLERK, {}, at(2), departments=DEPARTMENTS) == []


def test_a_delegated_task_is_the_delegates_and_a_multi_seat_task_is_never_delegated() -> None:
    colleague = staff("rev-2", "dept_reviewer", department="scjgj")
    state = apply(SPEC, _reviewing(), Delegate(to="rev-2", task="review"), REVIEWER, {}, at(2))
    after = state.state
    assert offers(SPEC, after, REVIEWER, {}, at(3), departments=DEPARTMENTS) == []
    mine = offers(SPEC, after, colleague, {}, at(3), departments=DEPARTMENTS)
    assert [o.action for o in mine] == ["approve", "reject", "transfer"]
    # the parallel step's site check takes two inspectors' votes: no delegation offered
    state = apply(SPEC, _reviewing(), Approve(task="review"), REVIEWER, {}, at(2)).state
    state = apply(SPEC, state, Approve(task="x_lz_recheck"), RECHECKER, {}, at(3)).state
    other = staff("insp-2", "inspector", department="scjgj")
    found = offers(
        SPEC,
        state,
        INSPECTOR,
        {},
        at(4),
        departments=DEPARTMENTS,
        people=[_colleague(other, "核查员")],
    )
    assert "delegate" not in {o.action for o in found}
    assert {o.action for o in found} >= {"approve", "transfer"}


def test_return_offers_the_review_steps_the_case_passed_nearest_first() -> None:
    state = apply(SPEC, _reviewing(), Approve(task="review"), REVIEWER, {}, at(2)).state
    found = offers(SPEC, state, RECHECKER, {}, at(3))
    back = next(o for o in found if o.action == "return")
    assert back.choice == "to" and back.choices == (("review", "材料审查"),)
    assert back.required == ("return_reason",)
