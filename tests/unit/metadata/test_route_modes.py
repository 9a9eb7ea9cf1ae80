"""Approval modes, rejection outcomes and route order: meta-schema, document rules, overlays."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from yiwang.metadata.documents.approvals import approval_rule
from yiwang.metadata.documents.errors import MetadataInvalid
from yiwang.metadata.documents.shapes import Model, Overlay
from yiwang.metadata.overlays.apply import apply_overlay

from .docs import document, problems

R = "/routes/standard"


def _route(*steps: dict[str, Any]) -> dict[str, Any]:
    doc = document()
    doc["routes"]["standard"]["steps"] = list(steps)
    return doc


ACCEPT = {"key": "accept", "label": "受理", "kind": "accept", "mandatory": True}
DECIDE = {"key": "decide", "label": "决定", "kind": "decide", "mandatory": True}


def _review(key: str = "review", **extra: Any) -> dict[str, Any]:
    return {"key": key, "label": "审查", "kind": "review", "on_reject": "reject_case", **extra}


def _parallel(*branches: dict[str, Any], key: str = "joint") -> dict[str, Any]:
    return {"key": key, "label": "并联", "kind": "parallel", "branches": list(branches)}


def _branch(key: str, **extra: Any) -> dict[str, Any]:
    return {"key": key, "label": key, "role": "r", "on_reject": "reject_case", **extra}


# --- the arithmetic -------------------------------------------------------


@pytest.mark.parametrize(
    ("task", "needed", "to_close"),
    [
        ({}, 1, 1),
        ({"mode": "any"}, 1, 1),
        ({"mode": "all", "approvers": 3}, 3, 1),
        ({"mode": "n_of_m", "n": 2, "approvers": 5, "reject_decides": False}, 2, 4),
        ({"mode": "n_of_m", "n": 2, "approvers": 5, "reject_decides": True}, 2, 1),
    ],
)
def test_modes_in_numbers(task: dict[str, Any], needed: int, to_close: int) -> None:
    rule = approval_rule(task)
    assert (rule.needed, rule.rejections_to_close) == (needed, to_close)


# --- meta-schema ----------------------------------------------------------


@pytest.mark.parametrize(
    ("step", "expected"),
    [
        (
            {"key": "review", "label": "审查", "kind": "review"},
            ("metadata.step.on_reject_required", f"{R}/steps/1/on_reject"),
        ),
        (
            _review(mode="n_of_m", n=2, approvers=3),
            ("metadata.step.mode_fields", f"{R}/steps/1/reject_decides"),
        ),
        (
            _review(mode="all"),
            ("metadata.step.mode_fields", f"{R}/steps/1/approvers"),
        ),
        (
            _review(mode="all", approvers=3, n=2),
            ("metadata.step.mode_fields", f"{R}/steps/1"),
        ),
        (
            _review(mode="any", approvers=3),
            ("metadata.step.mode_fields", f"{R}/steps/1"),
        ),
        (
            _review(approvers=3),
            ("metadata.step.mode_fields", f"{R}/steps/1"),
        ),
        (
            _review(mode="most"),
            ("metadata.schema.enum", f"{R}/steps/1/mode"),
        ),
        (
            _review(on_reject="ignore"),
            ("metadata.schema.enum", f"{R}/steps/1/on_reject"),
        ),
        (
            _review(implementing_department=True, department="scjgj"),
            ("metadata.step.department_conflict", f"{R}/steps/1"),
        ),
        (
            _review(department="市场监督管理局"),
            ("metadata.schema.key_format", f"{R}/steps/1/department"),
        ),
        (
            _parallel(_branch("a"), {"key": "b", "label": "乙", "role": "r"}),
            ("metadata.schema.required", f"{R}/steps/1/branches/1/on_reject"),
        ),
    ],
)
def test_meta_schema_refuses_incomplete_approvals(
    step: dict[str, Any], expected: tuple[str, str]
) -> None:
    assert problems(_route(ACCEPT, step, DECIDE)) == [expected]


def test_modes_and_parallel_blocks_that_are_well_formed() -> None:
    doc = _route(
        ACCEPT,
        _review(mode="all", approvers=2, implementing_department=True),
        _parallel(
            _branch("a", mode="n_of_m", n=2, approvers=3, reject_decides=False),
            _branch("b", mode="any", department="wjw", on_reject="continue"),
        ),
        _review("expert", kind="special", stops_clock=True, on_reject="return_to_previous"),
        {**DECIDE, "mode": "any"},
        {"key": "issue", "label": "送达", "kind": "issue"},
    )
    assert problems(doc) == []


# --- document rules -------------------------------------------------------


@pytest.mark.parametrize(
    ("steps", "expected"),
    [
        (
            [ACCEPT, _review(mode="n_of_m", n=4, approvers=3, reject_decides=True), DECIDE],
            ("metadata.route.n_exceeds_approvers", f"{R}/steps/1/n"),
        ),
        (
            [ACCEPT, _review(), {**DECIDE, "mode": "all", "approvers": 3}],
            ("metadata.route.mode_for_kind", f"{R}/steps/2/mode"),
        ),
        (
            [{**ACCEPT, "mode": "any"}, _review(), DECIDE],
            ("metadata.route.mode_for_kind", f"{R}/steps/0/mode"),
        ),
        (
            [{**ACCEPT, "on_reject": "reject_case"}, _review(), DECIDE],
            ("metadata.route.on_reject_for_kind", f"{R}/steps/0/on_reject"),
        ),
        (
            [ACCEPT, _review(on_reject="return_to_previous"), DECIDE],
            ("metadata.route.nothing_to_return_to", f"{R}/steps/1/on_reject"),
        ),
        (
            [
                ACCEPT,
                _review("pre", when={"required": ["name"]}),
                _review(on_reject="return_to_previous"),
                DECIDE,
            ],
            ("metadata.route.nothing_to_return_to", f"{R}/steps/2/on_reject"),
        ),
        (
            [ACCEPT, _parallel(_branch("a", on_reject="return_to_previous"), _branch("b")), DECIDE],
            ("metadata.route.nothing_to_return_to", f"{R}/steps/1/branches/0/on_reject"),
        ),
        (
            [ACCEPT, _parallel(_branch("review"), _branch("b")), _review(), DECIDE],
            ("metadata.route.step_duplicate", f"{R}/steps/2/key"),
        ),
        (
            [ACCEPT, _review(), DECIDE, {**DECIDE, "key": "decide_again"}],
            ("metadata.route.kind_repeated", f"{R}/steps/3/kind"),
        ),
        (
            [ACCEPT, DECIDE, _review()],
            ("metadata.route.step_order", f"{R}/steps/2/kind"),
        ),
        (
            [ACCEPT, {"key": "issue", "label": "送达", "kind": "issue"}, DECIDE],
            ("metadata.route.step_order", f"{R}/steps/2/kind"),
        ),
        (
            [ACCEPT, {"key": "draft", "label": "起草", "kind": "draft"}, DECIDE],
            ("metadata.route.step_order", f"{R}/steps/1/kind"),
        ),
        (
            [{**ACCEPT, "when": {"required": ["name"]}}, _review(), DECIDE],
            ("metadata.route.condition_not_allowed", f"{R}/steps/0/when"),
        ),
    ],
)
def test_route_rules(steps: list[dict[str, Any]], expected: tuple[str, str]) -> None:
    assert problems(_route(*steps)) == [expected]


# --- overlays: stricter yes, weaker no -------------------------------------

P = "/documents/permit/routes/standard"


def _base() -> Model:
    doc = _route(
        ACCEPT,
        _review("check"),
        _review(mode="all", approvers=3),
        _parallel(
            _branch("a", mode="n_of_m", n=2, approvers=3, reject_decides=True),
            _branch("b", on_reject="return_to_applicant"),
        ),
        DECIDE,
    )
    return Model(documents={"permit": doc})


def _apply(update: dict[str, Any], base: Model | None = None) -> dict[str, Any]:
    body = {"tenant": "620100", "documents": {"permit": {"routes": {"standard": update}}}}
    model = apply_overlay(base or _base(), Overlay.from_body(body))
    route: dict[str, Any] = model.documents["permit"]["routes"]["standard"]
    return route


def _refused(update: dict[str, Any]) -> list[tuple[str, str]]:
    with pytest.raises(MetadataInvalid) as info:
        _apply(update)
    return [(d.code, d.pointer or "") for d in info.value.details]


def _step(route: dict[str, Any], key: str) -> dict[str, Any]:
    step: dict[str, Any] = next(s for s in route["steps"] if s["key"] == key)
    return step


@pytest.mark.parametrize(
    ("patch", "pointer"),
    [
        ({"mode": "any"}, "review/mode"),  # 会签 -> 或签
        ({"mode": "single"}, "review/mode"),
        ({"approvers": 2}, "review/approvers"),  # a smaller 会签
        (  # 3 of 5 without a veto needs three rejections where 会签 needed one
            {"mode": "n_of_m", "n": 3, "approvers": 5, "reject_decides": False},
            "review/mode",
        ),
        ({"mode": "n_of_m", "n": 2, "approvers": 3, "reject_decides": True}, "review/mode"),
    ],
)
def test_a_region_may_not_weaken_a_countersignature(patch: dict[str, Any], pointer: str) -> None:
    assert _refused({"update": {"review": patch}}) == [
        ("metadata.overlay.weakens_mode", f"{P}/update/{pointer}")
    ]


def test_weakening_messages_name_both_modes() -> None:
    with pytest.raises(MetadataInvalid) as info:
        _apply({"update": {"review": {"mode": "any"}}})
    assert "会签（3 人）" in info.value.details[0].message()
    assert "或签" in info.value.details[0].message()


@pytest.mark.parametrize(
    ("patch", "expected"),
    [
        ({"approvers": 4}, {"mode": "all", "approvers": 4}),
        (
            {"mode": "n_of_m", "n": 3, "approvers": 5, "reject_decides": True},
            {"mode": "n_of_m", "n": 3, "approvers": 5, "reject_decides": True},
        ),
    ],
)
def test_a_region_may_make_a_countersignature_stricter(
    patch: dict[str, Any], expected: dict[str, Any]
) -> None:
    step = _step(_apply({"update": {"review": patch}}), "review")
    assert {k: step[k] for k in ("mode", "n", "approvers", "reject_decides") if k in step} == (
        expected
    )


def test_single_may_become_any_or_a_countersignature() -> None:
    assert _step(_apply({"update": {"check": {"mode": "any"}}}), "check")["mode"] == "any"
    step = _step(_apply({"update": {"check": {"mode": "all", "approvers": 2}}}), "check")
    assert (step["mode"], step["approvers"]) == ("all", 2)


def test_a_veto_may_not_be_dropped_from_a_branch_but_seats_may_grow() -> None:
    assert _refused({"update": {"joint": {"branches": {"a": {"reject_decides": False}}}}}) == [
        ("metadata.overlay.weakens_mode", f"{P}/update/joint/branches/a/reject_decides")
    ]
    route = _apply({"update": {"joint": {"branches": {"a": {"approvers": 4, "n": 3}}}}})
    branch = _step(route, "joint")["branches"][0]
    assert (branch["n"], branch["approvers"], branch["reject_decides"]) == (3, 4, True)


def test_a_decisive_rejection_may_not_become_an_opinion() -> None:
    assert _refused({"update": {"check": {"on_reject": "continue"}}}) == [
        ("metadata.overlay.weakens_on_reject", f"{P}/update/check/on_reject")
    ]
    route = _apply({"update": {"check": {"on_reject": "return_to_applicant"}}})
    assert _step(route, "check")["on_reject"] == "return_to_applicant"


def test_a_region_adds_a_branch_to_a_parallel_step() -> None:
    extra = _branch("x_fire", department="yjglj")
    route = _apply({"update": {"joint": {"add_branches": [extra]}}})
    assert [b["key"] for b in _step(route, "joint")["branches"]] == ["a", "b", "x_fire"]
    assert _refused({"update": {"joint": {"add_branches": [_branch("fire")]}}}) == [
        ("metadata.overlay.x_prefix_required", f"{P}/update/joint/add_branches/0/key")
    ]
    assert _refused({"update": {"check": {"add_branches": [extra]}}}) == [
        ("metadata.overlay.patch_not_allowed", f"{P}/update/check/add_branches")
    ]
    assert _refused({"update": {"joint": {"branches": {"ghost": {"label": "无"}}}}}) == [
        ("metadata.overlay.unknown_target", f"{P}/update/joint/branches/ghost")
    ]


def test_assigning_a_department_replaces_the_implementing_department() -> None:
    base = _base()
    doc = copy.deepcopy(base.documents["permit"])
    doc["routes"]["standard"]["steps"][1]["implementing_department"] = True
    route = _apply({"update": {"check": {"department": "scjgj"}}}, Model(documents={"permit": doc}))
    step = _step(route, "check")
    assert step["department"] == "scjgj" and "implementing_department" not in step
