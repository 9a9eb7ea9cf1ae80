"""Impact preview: descendants whose overlays a new version breaks, over the whole tree."""

from __future__ import annotations

from yiwang.metadata.documents.hashing import json_copy
from yiwang.metadata.documents.shapes import Model, Overlay
from yiwang.metadata.generators.validation import record_validator
from yiwang.metadata.resolution.impact import preview_impact
from yiwang.metadata.resolution.resolve import EffectiveModel, Layer, base_layer

from .conftest import PROVINCE


def test_unchanged_base_conflicts_with_nobody(
    base: Layer, parents: dict[str, str | None], overlays: dict[str, Overlay]
) -> None:
    preview = preview_impact(PROVINCE, (base,), parents, overlays)
    assert preview.ok and preview.checked == 102
    assert preview.conflicts == {} and preview.blocked == {}


def test_dropping_a_step_an_overlay_anchors_on(
    base_model: Model, parents: dict[str, str | None], overlays: dict[str, Overlay]
) -> None:
    documents = dict(base_model.documents)
    food = json_copy(documents["food_business_license"])
    route = food["routes"]["licensing"]
    route["steps"] = [s for s in route["steps"] if s["key"] != "review"]
    documents["food_business_license"] = food
    new_base = base_layer(PROVINCE, Model(documents=documents, code_lists=base_model.code_lists))
    preview = preview_impact(PROVINCE, (new_base,), parents, overlays)
    assert list(preview.conflicts) == ["620100"]
    assert preview.checked == 102
    [error] = preview.conflicts["620100"]
    assert (error.code, error.params["tenant"]) == ("metadata.overlay.anchor_missing", "620100")
    children = {c for c, p in parents.items() if p == "620100"}
    assert set(preview.blocked) == children and preview.blocked["620102"] == "620100"
    body = preview.as_dict()
    assert body["conflicts"]["620100"][0]["code"] == "metadata.overlay.anchor_missing"


def test_a_new_base_value_colliding_with_a_county_value(
    base_model: Model, parents: dict[str, str | None], overlays: dict[str, Overlay]
) -> None:
    code_lists = dict(base_model.code_lists)
    theme = json_copy(code_lists["theme"])
    theme["values"].append({"code": "yz_rural_tourism", "label": "乡村旅游"})
    code_lists["theme"] = theme
    new_base = base_layer(PROVINCE, Model(documents=base_model.documents, code_lists=code_lists))
    preview = preview_impact(PROVINCE, (new_base,), parents, overlays)
    assert list(preview.conflicts) == ["620123"]
    assert preview.conflicts["620123"][0].code == "metadata.overlay.code_value_collision"


def test_records_a_change_would_invalidate_are_counted(
    base: Layer, parents: dict[str, str | None], overlays: dict[str, Overlay]
) -> None:
    records = {"620102": [{"level": "5"}], "620103": [{"application": "a"}]}

    def count(model: EffectiveModel) -> int:
        tenant = model.tenant
        validator = record_validator(model, "evaluation")
        return sum(not validator.is_valid(r) for r in records.get(tenant, []))

    preview = preview_impact(PROVINCE, (base,), parents, overlays, count_invalid=count)
    assert preview.invalid_records == {"620102": 1, "620103": 1}
