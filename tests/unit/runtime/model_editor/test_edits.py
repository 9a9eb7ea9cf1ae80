"""The editor's forms as overlay changes, checked against the real templates' rules:
what each edit writes, which control a refusal lands on, what a form itself refuses."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from yiwang.metadata.documents.errors import MetadataInvalid
from yiwang.metadata.documents.hashing import content_hash
from yiwang.metadata.documents.shapes import Overlay
from yiwang.metadata.resolution.resolve import (
    EffectiveModel,
    add_layer,
    apply_overlays,
    base_layer,
    check_layers,
    freeze,
)
from yiwang.metadata.versions.bundled import load_base_model, load_overlays
from yiwang.runtime.model_editor import edits, views
from yiwang.tenants.tree import TenantNode, TenantTree

ROOT = Path(__file__).resolve().parents[4] / "tenant_templates"
FOOD = "food_business_license"


@pytest.fixture(scope="module")
def city() -> EffectiveModel:
    overlays = load_overlays(ROOT)
    return freeze(
        "620100", apply_overlays(base_layer("620000", load_base_model(ROOT)), [overlays["620100"]])
    )


def _problems(city: EffectiveModel, overlay: dict[str, Any]) -> list[tuple[str, str]]:
    """The refusals of `overlay` as 城关区's next version on top of 兰州市's model."""
    try:
        check_layers(add_layer(city.layers, Overlay("620102", overlay, content_hash(overlay))))
    except MetadataInvalid as exc:
        return [(d.code, d.pointer or "") for d in exc.details]
    return []


def _empty() -> dict[str, Any]:
    return {"tenant": "620102", "documents": {}}


def test_a_local_field_is_added_and_placed_on_the_form(city: EffectiveModel) -> None:
    made = edits.add_field(
        _empty(),
        FOOD,
        city.document(FOOD),
        {
            "key": "x_cg_floor",
            "label": "楼层",
            "type": "integer",
            "required": "on",
            "placement": "apply/premises",
        },
    )
    assert made.ok
    food = made.overlay["documents"][FOOD]
    assert food["fields"] == {"x_cg_floor": {"type": "integer", "label": "楼层", "required": True}}
    assert food["forms"] == {"apply": {"sections": {"premises": {"add_fields": ["x_cg_floor"]}}}}
    assert _problems(city, made.overlay) == []


def test_a_key_without_the_prefix_is_refused_at_the_key(city: EffectiveModel) -> None:
    made = edits.add_field(
        _empty(), FOOD, city.document(FOOD), {"key": "floor", "label": "楼层", "type": "text"}
    )
    problems = _problems(city, made.overlay)
    assert [c for c, _ in problems] == ["metadata.overlay.x_prefix_required"]
    assert [edits.control_for(p, made.controls) for _, p in problems] == ["key"]


def test_a_promise_beyond_the_statute_is_refused_at_the_days(city: EffectiveModel) -> None:
    made = edits.promise(_empty(), FOOD, city.document(FOOD), {"route": "licensing", "days": "21"})
    problems = _problems(city, made.overlay)
    assert [c for c, _ in problems] == ["metadata.overlay.promise_exceeds_statutory"]
    assert [edits.control_for(p, made.controls) for _, p in problems] == ["days"]


def test_a_reused_code_is_refused_at_the_code(city: EffectiveModel) -> None:
    document = city.document(FOOD)
    made = edits.add_code(
        _empty(), FOOD, document, [], {"list": "water_source", "code": "well", "label": "井"}
    )
    problems = _problems(city, made.overlay)
    assert [c for c, _ in problems] == ["metadata.overlay.code_value_collision"]
    assert [edits.control_for(p, made.controls) for _, p in problems] == ["code"]


def test_an_inserted_step_lands_after_its_anchor(city: EffectiveModel) -> None:
    values = {
        "route": "licensing",
        "after": "x_lz_recheck",
        "key": "x_cg_recheck",
        "label": "区级复核",
        "kind": "review",
        "role": "dept_reviewer",
        "time_limit_days": "2",
        "on_reject": "return_to_previous",
        "mandatory": "on",
    }
    made = edits.insert_step(_empty(), FOOD, city.document(FOOD), ["dept_reviewer"], values)
    assert made.ok
    overlay = made.overlay
    layers = add_layer(city.layers, Overlay("620102", overlay, content_hash(overlay)))
    check_layers(layers)
    steps = [
        s["key"] for s in freeze("620102", layers).document(FOOD)["routes"]["licensing"]["steps"]
    ]
    assert steps[steps.index("x_lz_recheck") + 1] == "x_cg_recheck"


def test_a_step_the_route_checks_refuse_is_shown_at_its_control(city: EffectiveModel) -> None:
    # a rejection returning to the previous step needs a review before it: here there is none
    values = {
        "route": "licensing",
        "after": "accept",
        "key": "x_cg_first",
        "label": "预审",
        "kind": "review",
        "role": "dept_reviewer",
        "on_reject": "return_to_previous",
    }
    made = edits.insert_step(_empty(), FOOD, city.document(FOOD), ["dept_reviewer"], values)
    problems = _problems(city, made.overlay)
    assert problems, "the route's own checks refuse it"
    assert {edits.control_for(p, made.controls) for _, p in problems} == {"on_reject"}


def test_what_a_form_refuses_before_any_rule(city: EffectiveModel) -> None:
    document = city.document(FOOD)
    days = edits.promise(_empty(), FOOD, document, {"route": "licensing", "days": "三"})
    assert days.problems == {"days": "“承诺时限（工作日）”应填写正整数。"}
    route = edits.promise(_empty(), FOOD, document, {"route": "nowhere", "days": "3"})
    assert route.problems == {"route": "请从列表中选择“流程”。"}
    empty = edits.add_field(_empty(), FOOD, document, {"type": "text"})
    assert set(empty.problems) == {"key", "label"}
    taken = edits.add_field(
        _empty(), FOOD, document, {"key": "operator_name", "label": "x", "type": "text"}
    )
    assert taken.problems == {"key": "字段“operator_name”已存在，请换一个标识。"}
    unknown = edits.require(_empty(), FOOD, document, {"field": "nothing"})
    assert unknown.problems == {"field": "请从列表中选择“字段”。"}


def test_an_edit_keeps_what_the_draft_already_had(city: EffectiveModel) -> None:
    draft = {
        "tenant": "620102",
        "documents": {FOOD: {"routes": {"licensing": {"promised_days": 5}}}},
    }
    made = edits.require(draft, FOOD, city.document(FOOD), {"field": "warehouse_address"})
    assert made.overlay["documents"][FOOD]["routes"] == {"licensing": {"promised_days": 5}}
    assert made.overlay["documents"][FOOD]["fields"] == {"warehouse_address": {"required": True}}
    assert draft["documents"][FOOD] == {"routes": {"licensing": {"promised_days": 5}}}  # untouched


def test_posted_values_take_one_trimmed_string_per_name() -> None:
    assert edits.posted_values({"a": [" x ", "y"], "b": "z", "c": 3}) == {"a": "x", "b": "z"}


def test_fields_are_marked_by_the_layer_that_made_them(city: EffectiveModel) -> None:
    tree = TenantTree.of(
        [
            TenantNode(1, "620000", "甘肃省", "province", "active", "gs", "/620000", None),
            TenantNode(
                2, "620100", "兰州市", "prefecture", "active", "lz", "/620000/620100", "620000"
            ),
        ]
    )
    rows = {r.key: r for r in views.field_rows(city, "service_item", tree)}
    assert (rows["x_lz_hotline_code"].origin, rows["x_lz_hotline_code"].origin_label) == (
        "local",
        "本地扩展（兰州市）",
    )
    assert rows["tongban_range"].origin_label == "基础模型，兰州市已收紧"
    assert rows["task_name"].origin == "base"
    assert views.local_count(city, "service_item") == 1
