"""Diffs between versions: keyed lists match by identity, pointers address the change."""

from __future__ import annotations

import copy

from yiwang.metadata.resolution.diff import Change, diff_documents, diff_models
from yiwang.metadata.resolution.resolve import EffectiveModel

from .conftest import PROVINCE
from .docs import document


def test_identical_documents_have_no_changes() -> None:
    assert diff_documents(document(), document()) == []


def test_inserted_step_is_one_addition() -> None:
    before = document()
    after = copy.deepcopy(before)
    step = {"key": "x_check", "label": "复核", "kind": "review"}
    after["routes"]["standard"]["steps"].insert(1, step)
    assert diff_documents(before, after) == [
        Change("added", "/routes/standard/steps/1", None, step)
    ]


def test_changed_property_and_removed_field() -> None:
    before = document()
    after = copy.deepcopy(before)
    after["fields"]["amount"]["max"] = 500
    del after["fields"]["note"]
    changes = diff_documents(before, after)
    assert Change("changed", "/fields/amount/max", 1000, 500) in changes
    assert any(c.kind == "removed" and c.pointer == "/fields/note" for c in changes)


def test_code_values_match_by_code_and_moves_are_named() -> None:
    before = document()
    after = copy.deepcopy(before)
    values = after["code_lists"]["kinds"]["values"]
    values.reverse()
    values.append({"code": "c", "label": "丙"})
    changes = diff_documents(before, after)
    assert (
        Change("added", "/code_lists/kinds/values/2", None, {"code": "c", "label": "丙"}) in changes
    )
    assert Change("moved", "/code_lists/kinds/values", ["a", "b"], ["b", "a"]) in changes
    reordered = copy.deepcopy(before)
    reordered["forms"]["apply"]["sections"][0]["fields"].reverse()
    [moved] = diff_documents(before, reordered)
    assert moved.kind == "moved"


def test_model_diff_addresses_documents(effective: dict[str, EffectiveModel]) -> None:
    province, lanzhou = effective[PROVINCE].layers[0].model, effective["620100"].layers[-1].model
    changes = diff_models(province, lanzhou)
    pointers = {c.pointer for c in changes}
    assert "/documents/service_item/fields/x_lz_hotline_code" in pointers
    assert "/documents/food_business_license/routes/licensing/steps/2" in pointers
    assert all(c.as_dict()["pointer"].startswith("/documents/") for c in changes)
