"""The actions the console offers: exactly what the engine accepts from the person now."""

from __future__ import annotations

from yiwang.runtime.console.offers import Offer, offers
from yiwang.runtime.routes.actions import Accept, Actor, Approve, Submit
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
    # 兰州市's overlay inserts its own recheck before the parallel step
    assert [o.action for o in offers(SPEC, state, RECHECKER, {}, at(3))] == ["approve", "reject"]
    state = apply(SPEC, state, Approve(task="x_lz_recheck"), RECHECKER, {}, at(3)).state
    assert [o.task for o in offers(SPEC, state, INSPECTOR, {}, at(3))] == [
        "site_check",
        "site_check",
    ]
    health = offers(SPEC, state, HEALTH, {}, at(3))
    assert {o.task for o in health} == {"health_opinion"}
    # neither branch is the reviewer's: another role, another department
    assert offers(SPEC, state, REVIEWER, {}, at(3)) == []
