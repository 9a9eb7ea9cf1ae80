"""Route specs parsed from the effective models of real tenants, overlays applied."""

from __future__ import annotations

import copy

import pytest

from yiwang.platform.errors import InvalidInput, NotFound
from yiwang.runtime.routes.spec import Assignee, parse_route, route_version

from .models import CHENGGUAN, LANZHOU, PROVINCE, effective, every_route, route


def test_the_food_licence_route_with_lanzhou_local_recheck() -> None:
    spec = route(CHENGGUAN, "food_business_license", "licensing")
    assert [(s.key, s.kind) for s in spec.steps] == [
        ("accept", "accept"),
        ("review", "review"),
        ("x_lz_recheck", "review"),  # inserted by 兰州市's overlay, inherited by 城关区
        ("inspect", "parallel"),
        ("decide", "decide"),
        ("issue", "issue"),
    ]
    inspect = spec.step("inspect")
    assert [t.key for t in inspect.tasks] == ["site_check", "health_opinion"]
    assert inspect.time_limit_days == 2  # 城关区 shortened it
    site = spec.task("site_check")
    assert (site.approval.mode, site.approval.needed, site.approval.rejections_to_close) == (
        "all",
        2,
        1,
    )
    assert site.assignee == Assignee("inspector", implementing_department=True)
    assert site.on_reject == "reject_case"
    assert spec.task("health_opinion").assignee == Assignee("dept_reviewer", department="wjw")
    assert spec.task("x_lz_recheck").assignee == Assignee("dept_reviewer", "scjgj")
    assert spec.promised_days == 5 and spec.statutory_days == 20
    assert spec.authority == Assignee("dept_leader", implementing_department=True)
    assert spec.uses_implementing_department


def test_a_case_keeps_its_route_version_apart_from_other_regions() -> None:
    province = route(PROVINCE, "food_business_license", "licensing")
    lanzhou = route(LANZHOU, "food_business_license", "licensing")
    assert "x_lz_recheck" not in [s.key for s in province.steps]
    assert province.version != lanzhou.version
    # the same definition always has the same version, whoever resolved it
    assert route(PROVINCE, "food_business_license", "licensing").version == province.version
    again = parse_route("food_business_license", "licensing", copy.deepcopy(lanzhou.definition))
    assert again.version == lanzhou.version
    assert again.version == route_version("food_business_license", "licensing", again.definition)


def test_conditional_special_procedure_with_a_vote() -> None:
    spec = route(PROVINCE, "fire_design_review", "review")
    expert = spec.step("expert_review")
    assert expert.stops_clock and expert.kind == "special"
    assert expert.when is not None
    assert expert.when.holds({"needs_expert_review": True})
    assert not expert.when.holds({"needs_expert_review": False})
    assert not expert.when.holds({})
    rule = expert.tasks[0].approval
    assert (rule.mode, rule.needed, rule.seats, rule.rejections_to_close) == ("n_of_m", 5, 7, 3)
    assert [t.key for t in spec.step("technical_review").tasks] == [
        "architecture_review",
        "water_review",
        "electrical_review",
    ]


def test_every_route_of_every_example_region_parses() -> None:
    for tenant in (PROVINCE, LANZHOU, CHENGGUAN, "620123"):
        specs = every_route(tenant)
        assert {(s.document, s.key) for s in specs} >= {
            ("food_business_license", "licensing"),
            ("fire_design_review", "review"),
            ("subsistence_allowance", "confirmation"),
            ("public_place_hygiene", "licensing"),
            ("individual_business_registration", "registration"),
            ("power_item", "list_review"),
            ("special_fund", "list_review"),
            ("consultation", "answering"),
        }
        for spec in specs:
            assert spec.steps and all(t.assignee.role for s in spec.steps for t in s.tasks)


def test_specs_are_built_once_per_effective_model() -> None:
    model = effective(CHENGGUAN)
    assert route(CHENGGUAN, "subsistence_allowance", "confirmation") is route(
        CHENGGUAN, "subsistence_allowance", "confirmation"
    )
    assert model.memo(("route_spec", "subsistence_allowance", "confirmation"), dict) is route(
        CHENGGUAN, "subsistence_allowance", "confirmation"
    )


def test_unknown_routes_and_documents_are_not_found() -> None:
    with pytest.raises(NotFound) as info:
        route(PROVINCE, "food_business_license", "nothing")
    assert info.value.code == "routes.route_not_found"
    with pytest.raises(NotFound) as info:
        route(PROVINCE, "no_such_form", "licensing")
    assert info.value.code == "metadata.document.not_found"


def test_a_definition_the_engine_cannot_run_is_refused_with_pointers() -> None:
    definition = copy.deepcopy(route(PROVINCE, "food_business_license", "licensing").definition)
    del definition["steps"][1]["role"]
    with pytest.raises(InvalidInput) as info:
        parse_route("food_business_license", "licensing", definition)
    assert info.value.code == "routes.spec_invalid"
    assert [(d.code, d.pointer) for d in info.value.details] == [
        ("routes.role_missing", "/documents/food_business_license/routes/licensing/steps/1/role")
    ]
    definition["steps"][1]["role"] = "dept_reviewer"
    definition["steps"][1]["mode"] = "all"
    with pytest.raises(InvalidInput) as info:
        parse_route("food_business_license", "licensing", definition)
    assert [d.code for d in info.value.details] == ["metadata.step.mode_fields"]
    assert "无法运行" in info.value.message()
