"""Record schemas: a regional schema is allOf the base plus its own parts, closed once."""

from __future__ import annotations

import json
from typing import Any

from jsonschema import Draft202012Validator

from yiwang.metadata.generators.form_schema import form_schema
from yiwang.metadata.generators.record_schema import layer_schema, record_schema
from yiwang.metadata.generators.validation import authoring_validator
from yiwang.metadata.resolution.resolve import EffectiveModel

from .conftest import PROVINCE


def _walk(node: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    if isinstance(node, dict):
        found.append(node)
        for value in node.values():
            found.extend(_walk(value))
    elif isinstance(node, list):
        for value in node:
            found.extend(_walk(value))
    return found


def _guide() -> dict[str, Any]:
    return {
        "task_name": "食品经营许可",
        "task_type": "01",
        "catalog_code": "000114017000",
        "task_code": "11620102224201266J4000114017000",
        "task_state": "1",
        "use_level": "4",
        "by_law": "《中华人民共和国食品安全法》",
        "dept_name": "兰州市城关区市场监督管理局",
        "dept_code": "11620102224201266J",
        "department": "scjg",
        "server_type": ["2"],
        "project_type": "2",
        "accept_condition": "具备条件",
        "materials": [
            {
                "material_name": "申请书",
                "material_type": "1",
                "material_form": "1",
                "is_required": True,
                "source": "1",
            }
        ],
        "handle_flow": "申请、受理、审查、决定",
        "anticipate_day": 20,
        "promise_day": 10,
        "is_charge": False,
        "handle_type": ["1"],
        "limit_scene_num": 0,
        "transact_addr": "政务服务中心",
        "transact_time": "工作日",
        "link_way": "12345",
        "supervise_way": "12345",
        "is_online": False,
        "business_form": "food_business_license",
        "business_route": "licensing",
    }


def test_schema_is_2020_12_with_layers_and_one_closure(
    effective: dict[str, EffectiveModel],
) -> None:
    schema = record_schema(effective["620102"], "service_item")
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["unevaluatedProperties"] is False
    assert schema["allOf"] == [
        {"$ref": "#/$defs/layer_620000"},
        {"$ref": "#/$defs/layer_620100"},
    ]
    assert set(schema["$defs"]["layer_620100"]["properties"]) == {
        "x_lz_hotline_code",
        "tongban_range",
        "link_way",
    }
    assert schema["$defs"]["layer_620100"]["required"] == ["tongban_range"]


def test_no_layer_ever_says_additional_properties_false(
    effective: dict[str, EffectiveModel],
) -> None:
    for model in effective.values():
        for key in model.documents:
            schema = record_schema(model, key)
            for part in schema["$defs"].values():
                closers = [n for n in _walk(part) if n.get("additionalProperties") is False]
                # only attachments, a platform-defined object, are closed inside layers
                assert all(
                    set(n["properties"]) == {"key", "name", "size", "content_type", "sha256"}
                    for n in closers
                ), key
                assert not any("unevaluatedProperties" in n for n in _walk(part)), key


def test_regional_field_valid_in_its_region_only(effective: dict[str, EffectiveModel]) -> None:
    record = dict(_guide(), tongban_range="4", x_lz_hotline_code="LZ00001234")
    assert authoring_validator(record_schema(effective["620102"], "service_item")).is_valid(record)
    assert not authoring_validator(record_schema(effective[PROVINCE], "service_item")).is_valid(
        record
    )
    del record["x_lz_hotline_code"]
    assert authoring_validator(record_schema(effective[PROVINCE], "service_item")).is_valid(record)


def test_prefecture_requirement_applies_below_it(effective: dict[str, EffectiveModel]) -> None:
    record = _guide()
    assert authoring_validator(record_schema(effective[PROVINCE], "service_item")).is_valid(record)
    assert not authoring_validator(record_schema(effective["620102"], "service_item")).is_valid(
        record
    )


def test_county_code_values_are_valid_in_the_county_only(
    effective: dict[str, EffectiveModel],
) -> None:
    record = dict(_guide(), tongban_range="5", theme=["yz_plateau_vegetables"])
    assert authoring_validator(record_schema(effective["620123"], "service_item")).is_valid(record)
    assert not authoring_validator(record_schema(effective["620102"], "service_item")).is_valid(
        record
    )


def test_conditions_become_if_then(effective: dict[str, EffectiveModel]) -> None:
    validator = authoring_validator(record_schema(effective[PROVINCE], "service_item"))
    record = _guide()
    assert validator.is_valid(record)
    assert not validator.is_valid(dict(record, is_charge=True))
    fee = {"fee_name": "工本费", "fee_standard": "10 元", "fee_basis": "发改价格〔2019〕"}
    assert validator.is_valid(dict(record, is_charge=True, fees=[fee]))
    assert not validator.is_valid(dict(record, project_type="1"))
    assert validator.is_valid(dict(record, project_type="1", promise_day=1))


def test_formats_are_checked(effective: dict[str, EffectiveModel]) -> None:
    validator = authoring_validator(record_schema(effective[PROVINCE], "service_item"))
    assert validator.is_valid(dict(_guide(), effective_date="2024-02-29"))
    assert not validator.is_valid(dict(_guide(), effective_date="2023-02-29"))
    assert not validator.is_valid(dict(_guide(), effective_date="2024-2-1"))


def test_table_rows_are_closed(effective: dict[str, EffectiveModel]) -> None:
    validator = authoring_validator(record_schema(effective[PROVINCE], "service_item"))
    record = _guide()
    record["materials"][0]["colour"] = "red"
    assert not validator.is_valid(record)


def test_layer_schema_is_none_when_nothing_changes(effective: dict[str, EffectiveModel]) -> None:
    doc = effective[PROVINCE].document("certificate")
    assert layer_schema(doc, doc) is None
    part = layer_schema(None, doc)
    assert part is not None and "additionalProperties" not in part


def test_form_schema_is_flat_and_holds_the_form_fields_with_enum_codes(
    effective: dict[str, EffectiveModel],
) -> None:
    """Flat: JSON Forms reads a control's type at `#/properties/<field>`; codes are an
    `enum` (rjsf takes the first `const` of a `oneOf` as a default)."""
    schema = form_schema(effective["620102"], "application", "apply")
    assert "$defs" not in schema and "$ref" not in json.dumps(schema)
    fields = set(schema["properties"])
    assert "channel" not in fields and "applicant_name" in fields
    assert schema["properties"]["applicant_type"]["enum"] == ["1", "2", "9"]
    assert "oneOf" not in json.dumps(schema)
    assert schema["additionalProperties"] is False
    for name, prop in schema["properties"].items():
        assert "type" in prop, name


def test_schemas_are_memoised_per_model(effective: dict[str, EffectiveModel]) -> None:
    model = effective[PROVINCE]
    assert record_schema(model, "evaluation") is record_schema(model, "evaluation")
