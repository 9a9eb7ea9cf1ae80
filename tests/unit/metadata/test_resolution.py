"""The resolution pipeline, one named step at a time, then end to end."""

from __future__ import annotations

from typing import Any

import pytest

from yiwang.metadata.documents.errors import MetadataInvalid
from yiwang.metadata.documents.metaschemas import document_errors
from yiwang.metadata.documents.shapes import Model, Overlay
from yiwang.metadata.resolution.resolve import (
    EffectiveModel,
    Layer,
    apply_overlays,
    changed_documents,
    check_layers,
    freeze,
    inline_code_lists,
    overlay_chain,
    resolve,
)
from yiwang.platform.errors import NotFound

from .conftest import PROVINCE


def test_overlay_chain_walks_up_the_tree(
    parents: dict[str, str | None], overlays: dict[str, Overlay]
) -> None:
    assert [o.tenant for o in overlay_chain("620102", parents, overlays)] == ["620100", "620102"]
    assert [o.tenant for o in overlay_chain("620103", parents, overlays)] == ["620100"]
    assert overlay_chain("620200", parents, overlays) == []
    assert overlay_chain("999999", parents, overlays) == []


def test_apply_step_layers_share_untouched_documents(
    base: Layer, overlays: dict[str, Overlay]
) -> None:
    layers = apply_overlays(base, [overlays["620100"], overlays["620102"]])
    assert [layer.tenant for layer in layers] == [PROVINCE, "620100", "620102"]
    assert [layer.source for layer in layers[1:]] == [
        overlays["620100"].version,
        overlays["620102"].version,
    ]
    assert layers[2].model.documents["certificate"] is base.model.documents["certificate"]
    assert layers[2].model.documents["service_item"] is layers[1].model.documents["service_item"]
    assert sorted(changed_documents(layers)) == [
        "food_business_license",
        "power_item",
        "public_place_hygiene",
        "service_item",
    ]


def test_apply_step_errors_name_the_overlay_tenant(base: Layer) -> None:
    bad = Overlay.from_body(
        {"tenant": "620100", "documents": {"service_item": {"fields": {"task_name": None}}}}
    )
    with pytest.raises(MetadataInvalid) as info:
        apply_overlays(base, [bad])
    assert info.value.code == "metadata.overlay.field_removed"
    assert info.value.details[0].params["tenant"] == "620100"


def _overlay(patch: dict[str, Any]) -> Overlay:
    return Overlay.from_body({"tenant": "620100", "documents": {"service_item": patch}})


def test_check_step_catches_what_only_the_result_shows(base: Layer) -> None:
    condition = {"properties": {"x_ghost": {"const": 1}}, "required": ["x_ghost"]}
    layers = apply_overlays(
        base, [_overlay({"fields": {"link_way": {"required_when": condition}}})]
    )
    with pytest.raises(MetadataInvalid) as info:
        check_layers(layers)
    assert info.value.code == "metadata.condition.field_missing"
    assert info.value.pointer == (
        "/documents/service_item/fields/link_way/required_when/properties/x_ghost"
    )
    assert info.value.details[0].params["tenant"] == "620100"


def test_check_step_catches_a_reference_to_a_missing_type(base: Layer) -> None:
    field = {"type": "reference", "label": "关联", "ref_type": "x_nowhere"}
    layers = apply_overlays(base, [_overlay({"fields": {"x_link": field}})])
    with pytest.raises(MetadataInvalid) as info:
        check_layers(layers)
    assert (info.value.code, info.value.pointer) == (
        "metadata.field.ref_type_missing",
        "/documents/service_item/fields/x_link/ref_type",
    )


def test_check_step_catches_an_added_field_placed_twice(base: Layer) -> None:
    patch = {"forms": {"compile": {"sections": {"basic": {"add_fields": ["department"]}}}}}
    with pytest.raises(MetadataInvalid) as info:
        check_layers(apply_overlays(base, [_overlay(patch)]))
    assert info.value.code == "metadata.form.field_duplicate"


def test_freeze_step_inlines_shared_lists_and_hashes_content(base: Layer) -> None:
    model = freeze(PROVINCE, (base,))
    service = model.document("service_item")
    assert "task_type" in service["code_lists"]
    assert "task_type" not in base.model.documents["service_item"].get("code_lists", {})
    assert document_errors(service) == []
    again = freeze(PROVINCE, (base,))
    assert again.content_hash == model.content_hash and len(model.content_hash) == 64
    assert model.versions == (base.source,)


def test_inline_keeps_a_document_without_shared_lists_as_it_is() -> None:
    doc = {
        "key": "a",
        "kind": "item",
        "label": "甲",
        "fields": {"n": {"type": "text", "label": "名"}},
    }
    assert inline_code_lists(doc, {"kinds": {}}) is doc


def test_effective_documents_are_valid_documents(effective: dict[str, EffectiveModel]) -> None:
    for model in effective.values():
        for key, doc in model.documents.items():
            assert document_errors(doc) == [], (model.tenant, key)


def test_content_hash_changes_with_content(effective: dict[str, EffectiveModel]) -> None:
    hashes = {code: m.content_hash for code, m in effective.items()}
    assert len(set(hashes.values())) == 4
    assert hashes["620200"] == hashes[PROVINCE]


def test_unknown_type_is_not_found(effective: dict[str, EffectiveModel]) -> None:
    with pytest.raises(NotFound) as info:
        effective[PROVINCE].document("nothing")
    assert info.value.code == "metadata.document.not_found"


def test_resolve_runs_the_steps_in_order(base: Layer, overlays: dict[str, Overlay]) -> None:
    model = resolve("620102", base, [overlays["620100"], overlays["620102"]])
    assert model.tenant == "620102"
    assert model.versions == (base.source, overlays["620100"].version, overlays["620102"].version)
    assert model.layer_documents("service_item")[0] == (
        PROVINCE,
        base.model.documents["service_item"],
    )


def test_base_model_is_not_modified_by_resolution(base_model: Model, base: Layer) -> None:
    before = base_model.content_hash()
    resolve("620102", base, [])
    assert base_model.content_hash() == before == base.source
