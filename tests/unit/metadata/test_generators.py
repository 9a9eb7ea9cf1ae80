"""UI descriptions for react-jsonschema-form and JSON Forms, and OpenAPI components."""

from __future__ import annotations

from typing import Any

from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from yiwang.metadata.generators.form_schema import form_schema
from yiwang.metadata.generators.openapi import openapi_components
from yiwang.metadata.generators.record_schema import form_fields
from yiwang.metadata.generators.ui_schemas import jsonforms_ui_schema, rjsf_ui_schema
from yiwang.metadata.resolution.resolve import EffectiveModel

from .conftest import PROVINCE


def _form_properties(schema: dict[str, Any]) -> set[str]:
    return set(schema["properties"])


def test_rjsf_order_and_widgets_follow_the_form(effective: dict[str, EffectiveModel]) -> None:
    model = effective["620102"]
    ui = rjsf_ui_schema(model, "food_business_license", "apply", "620102")
    document = model.document("food_business_license")
    assert ui["ui:order"] == form_fields(document, "apply")
    assert set(ui["ui:order"]) <= _form_properties(
        form_schema(model, "food_business_license", "apply")
    )
    assert ui["equipment"]["ui:widget"] == "textarea"
    assert ui["main_business"]["ui:widget"] == "checkboxes"
    assert ui["water_source"]["ui:widget"] == "radio"
    assert ui["layout_plan"]["ui:field"] == "yiwang-file"
    assert ui["layout_plan"]["ui:options"]["yiwang"]["upload"] == "/api/v1/t/620102/attachments"
    sections = ui["ui:options"]["sections"]
    assert [s["key"] for s in sections] == [
        s["key"] for s in document["forms"]["apply"]["sections"]
    ]


def test_rjsf_tables_describe_their_rows(effective: dict[str, EffectiveModel]) -> None:
    ui = rjsf_ui_schema(effective[PROVINCE], "subsistence_allowance", "apply", PROVINCE)
    assert ui["members"]["items"]["ui:order"][0] == "member_name"
    money = ui["members"]["items"]["monthly_income"]
    assert money["ui:field"] == "yiwang-money"
    assert money["ui:options"]["yiwang"]["unit"] == "元"


def test_jsonforms_groups_controls_and_rules(effective: dict[str, EffectiveModel]) -> None:
    model = effective["620102"]
    ui = jsonforms_ui_schema(model, "service_item", "compile", "620102")
    assert ui["type"] == "VerticalLayout"
    groups = ui["elements"]
    assert [g["label"] for g in groups][:2] == ["基本信息", "实施主体"]
    scopes = [c["scope"] for g in groups for c in g["elements"]]
    assert "#/properties/x_lz_hotline_code" in scopes
    properties = set(model.document("service_item")["fields"])
    assert {s.removeprefix("#/properties/") for s in scopes} <= properties


def test_jsonforms_conditional_section_becomes_a_show_rule() -> None:
    from yiwang.metadata.documents.shapes import Model
    from yiwang.metadata.resolution.resolve import base_layer, freeze

    from .docs import document

    doc = document()
    condition = {"properties": {"kind": {"const": "a"}}, "required": ["kind"]}
    doc["forms"]["apply"]["sections"][1]["visible_when"] = condition
    model = freeze("620000", (base_layer("620000", Model(documents={"permit": doc})),))
    groups = jsonforms_ui_schema(model, "permit", "apply", "620000")["elements"]
    assert "rule" not in groups[0]
    assert groups[1]["rule"] == {"effect": "SHOW", "condition": {"scope": "#", "schema": condition}}


def test_openapi_components_resolve_within_themselves(effective: dict[str, EffectiveModel]) -> None:
    document = openapi_components(effective["620102"])
    schemas = document["components"]["schemas"]
    assert {"service_item", "service_item.layer_620000", "service_item.layer_620100"} <= set(
        schemas
    )
    assert schemas["service_item"]["allOf"][1] == {
        "$ref": "#/components/schemas/service_item.layer_620100"
    }
    registry = Registry().with_resource(
        "urn:openapi", Resource.from_contents(document, default_specification=DRAFT202012)
    )
    validator = Draft202012Validator(
        {"$ref": "urn:openapi#/components/schemas/evaluation"}, registry=registry
    )
    assert validator.is_valid(
        {"application": "A1", "service_item": "S1", "channel": "online", "level": "5"}
    )
    assert not validator.is_valid(
        {"application": "A1", "service_item": "S1", "channel": "online", "level": "6"}
    )
    for name in schemas:
        assert all(c.isalnum() or c in "._-" for c in name)
    assert openapi_components(effective[PROVINCE]) is openapi_components(effective[PROVINCE])
