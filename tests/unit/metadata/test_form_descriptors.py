"""Citizen form descriptors: one set of rules with the server, and each defect the
clients showed, pinned down where it is generated."""

from __future__ import annotations

import json
import re
from typing import Any

import msgspec
import pytest

from yiwang.metadata.documents.display import chinese_date, display_value, fen_from_yuan, yuan
from yiwang.metadata.documents.field_types import FORMAT_PATTERNS
from yiwang.metadata.documents.shapes import Model
from yiwang.metadata.generators.descriptors import citizen_form_descriptor, encoded_citizen_form
from yiwang.metadata.generators.validation import form_validator
from yiwang.metadata.resolution.resolve import EffectiveModel, base_layer, freeze
from yiwang.platform.errors import NotFound
from yiwang.policy.identity.codes import credit_code_check_char

from .docs import document

TENANT = "620102"
VALID_ID = "11010519491231002X"
VALID_CREDIT = "91350100M000100Y4" + credit_code_check_char("91350100M000100Y4")


def _descriptor(effective: dict[str, EffectiveModel], key: str, form: str) -> dict[str, Any]:
    return citizen_form_descriptor(effective[TENANT], TENANT, key, form)


def _errors(model: EffectiveModel, key: str, form: str, payload: Any) -> dict[str, str]:
    return {d.pointer or "": d.message() for d in form_validator(model, key, form).errors(payload)}


@pytest.mark.parametrize(
    ("number", "valid"),
    [
        ("13912345678", True),
        ("0931-8123456", True),
        ("09318123456", True),
        ("010-62345678", True),
        ("0931-8123456-123", True),
        ("1234", False),
        ("000", False),
        ("12345678", False),
        ("12345", False),
        ("10912345678", False),
        ("0931-0123456", False),
    ],
)
def test_phone_numbers_have_real_shapes(number: str, valid: bool) -> None:
    assert bool(re.match(FORMAT_PATTERNS["phone"], number)) is valid


def test_check_characters_are_checked_on_the_server(effective: dict[str, EffectiveModel]) -> None:
    model = effective[TENANT]
    wrong_id = VALID_ID[:-1] + "1"
    wrong_credit = VALID_CREDIT[:-1] + ("0" if VALID_CREDIT[-1] != "0" else "1")
    found = _errors(
        model,
        "food_business_license",
        "apply",
        {"credit_code": wrong_credit, "legal_rep_id_number": wrong_id},
    )
    assert found["/credit_code"] == (
        "“统一社会信用代码”不是有效的统一社会信用代码：最后一位校验码不对，请核对。"
    )
    assert found["/legal_rep_id_number"].startswith(
        "“法定代表人身份证号码”不是有效的居民身份证号码"
    )
    right = _errors(
        model,
        "food_business_license",
        "apply",
        {"credit_code": VALID_CREDIT, "legal_rep_id_number": VALID_ID},
    )
    assert "/credit_code" not in right and "/legal_rep_id_number" not in right
    # in table rows too
    rows = {"members": [{"member_id_number": wrong_id}]}
    assert "/members/0/member_id_number" in _errors(model, "subsistence_allowance", "apply", rows)


def test_descriptor_names_the_check_it_cannot_state(effective: dict[str, EffectiveModel]) -> None:
    schema = _descriptor(effective, "subsistence_allowance", "apply")["schema"]
    assert schema["properties"]["applicant_id_number"]["x-yiwang-check"] == "gb11643"
    column = schema["properties"]["members"]["items"]["properties"]["member_id_number"]
    assert column["x-yiwang-check"] == "gb11643"
    other = _descriptor(effective, "public_place_hygiene", "apply")["schema"]
    assert other["properties"]["credit_code"]["x-yiwang-check"] == "gb32100"


def test_comparison_rules_reach_the_descriptor_and_the_server(
    effective: dict[str, EffectiveModel],
) -> None:
    descriptor = _descriptor(effective, "food_business_license", "apply")
    (rule,) = descriptor["schema"]["x-yiwang-rules"]
    assert rule == {
        "rule": "health_certificates",
        "kind": "compare",
        "left": "/health_certified",
        "op": "le",
        "right": "/employees",
        "pointer": "/health_certified",
        "message": "持健康证明人数不得超过从业人员数：“持健康证明人数”应 ≤ “从业人员数”。",
    }
    assert descriptor["schema_draft07"]["x-yiwang-rules"] == [rule]
    found = _errors(
        effective[TENANT],
        "food_business_license",
        "apply",
        {"employees": 3, "health_certified": 5},
    )
    assert found["/health_certified"] == rule["message"]


def test_an_empty_table_does_not_satisfy_required_when(
    effective: dict[str, EffectiveModel],
) -> None:
    model = effective[TENANT]
    family = {"operation_form": "family", "family_members": []}
    found = _errors(model, "individual_business_registration", "apply", family)
    assert found["/family_members"] == "“参加经营的家庭成员”至少需要 1 项。"
    alone = _errors(
        model, "individual_business_registration", "apply", {"operation_form": "individual"}
    )
    assert "/family_members" not in alone


def test_codes_are_an_enum_with_labels_beside_them(effective: dict[str, EffectiveModel]) -> None:
    descriptor = _descriptor(effective, "evaluation", "rate")
    level = descriptor["schema"]["properties"]["level"]
    assert "oneOf" not in json.dumps(descriptor["schema"]) and "const" not in level
    assert level["enum"][0] == "5"
    assert descriptor["ui_schema"]["level"]["ui:enumNames"][0] == "非常满意"
    assert descriptor["i18n"]["jsonforms"]["level.5"] == "非常满意"


def test_required_yes_no_and_ticks_are_never_answered_for_the_citizen(
    effective: dict[str, EffectiveModel],
) -> None:
    props = _descriptor(effective, "food_business_license", "apply")["schema"]["properties"]
    assert (
        props["premises_owned"]["enum"] == [True, False] and "type" not in props["premises_owned"]
    )
    assert props["commitment"]["enum"] == [True] and "const" not in props["commitment"]
    assert "default" not in props["premises_owned"] and "default" not in props["commitment"]


def test_messages_speak_chinese_not_python(effective: dict[str, EffectiveModel]) -> None:
    model = effective[TENANT]
    found = _errors(model, "subsistence_allowance", "apply", {"authorize_check": False})
    assert found["/authorize_check"] == "请按要求填写：未授权核对家庭经济状况的不予受理。"
    every = " ".join(found.values())
    assert "True" not in every and "False" not in every
    assert display_value({"type": "boolean"}, True) == "是"
    assert display_value({"type": "money"}, 123456) == "1234.56 元"
    assert chinese_date("2026-12-01") == "2026年12月1日"
    money = _errors(model, "subsistence_allowance", "apply", {"deposits": -1})
    assert money["/deposits"] == "“存款及有价证券合计”不能小于 0.00 元。"


def test_money_is_stored_in_fen_and_shown_in_yuan(effective: dict[str, EffectiveModel]) -> None:
    descriptor = _descriptor(effective, "individual_business_registration", "apply")
    assert descriptor["schema"]["properties"]["capital"]["type"] == "integer"
    contract = descriptor["ui_schema"]["capital"]["ui:options"]["yiwang"]
    assert contract == {"widget": "yiwang-money", "unit": "元", "decimals": 2, "stored_as": "分"}
    assert yuan(500000000) == "5000000.00" and yuan(7) == "0.07"
    assert fen_from_yuan("1234.56") == 123456 and fen_from_yuan("0.07") == 7
    assert fen_from_yuan("1,000") == 100000
    assert fen_from_yuan("1.234") is None and fen_from_yuan("元") is None


def test_help_appears_once(effective: dict[str, EffectiveModel]) -> None:
    descriptor = _descriptor(effective, "individual_business_registration", "apply")
    assert descriptor["schema"]["properties"]["business_name"]["description"]
    assert "ui:help" not in json.dumps(descriptor["ui_schema"])


def test_uploads_and_pickers_are_widgets(effective: dict[str, EffectiveModel]) -> None:
    descriptor = _descriptor(effective, "food_business_license", "apply")
    ui, jf = descriptor["ui_schema"], descriptor["uischema"]
    assert ui["layout_plan"]["ui:field"] == "yiwang-file"
    assert ui["layout_plan"]["ui:options"]["yiwang"] == {
        "widget": "yiwang-file",
        "multiple": False,
        "upload": "/api/v1/t/620102/attachments",
        "accept": ["application/pdf", "image/jpeg", "image/png"],
    }
    assert ui["safety_rules"]["ui:options"]["yiwang"]["multiple"] is True
    division = ui["premises_division"]["ui:options"]["yiwang"]
    assert division["options"] == (
        "/api/v1/t/620102/forms/food_business_license/apply/options/premises_division"
    )
    controls = {c["scope"]: c for g in jf["elements"] for c in g["elements"]}
    assert controls["#/properties/layout_plan"]["options"]["yiwang"]["widget"] == "yiwang-file"
    assert descriptor["widgets"]["upload"] == "/api/v1/t/620102/attachments"
    complaint = _descriptor(effective, "complaint", "submit")["ui_schema"]
    assert complaint["department"]["ui:options"]["yiwang"]["kind"] == "department"
    assert complaint["service_item"]["ui:options"]["yiwang"]["ref_type"] == "service_item"


def test_chrome_is_chinese(effective: dict[str, EffectiveModel]) -> None:
    descriptor = _descriptor(effective, "subsistence_allowance", "apply")
    assert descriptor["ui_schema"]["ui:submitButtonOptions"]["submitText"] == "提交"
    assert descriptor["ui_schema"]["ui:title"] == "最低生活保障申请"
    assert descriptor["i18n"]["rjsf"]["Add Item"] == "添加一行"
    assert descriptor["i18n"]["jsonforms"]["members.addTooltip"] == "添加一行"
    cjk = re.compile(r"[\u4e00-\u9fff]")
    for table in ("messages",):
        for texts in descriptor[table].values():
            assert all(cjk.search(t) for t in texts.values())


def test_client_messages_are_the_servers_own(effective: dict[str, EffectiveModel]) -> None:
    model = effective[TENANT]
    descriptor = _descriptor(effective, "subsistence_allowance", "apply")
    payload = {"applicant_phone": "1234", "members": [{"member_name": "x" * 60}], "houses": -1}
    for detail in form_validator(model, "subsistence_allowance", "apply").errors(payload):
        pointer = detail.pointer or ""
        template = re.sub(r"/[0-9]+(?=/|$)", "/*", pointer)
        texts = descriptor["messages"][template]
        expected = detail.message()
        assert expected in {t.replace("{row}", "1") for t in texts.values()}, pointer


def test_internal_fields_never_reach_a_citizen(effective: dict[str, EffectiveModel]) -> None:
    descriptor = _descriptor(effective, "application", "apply")
    body = json.dumps(descriptor, ensure_ascii=False)
    for internal in ("service_item", "business_form", "channel", "task_code"):
        assert f'"{internal}"' not in body, internal
    evaluation = json.dumps(_descriptor(effective, "evaluation", "rate"))
    assert "rectify_result" not in evaluation and "callback_result" not in evaluation


def test_an_internal_field_on_a_citizen_form_is_refused() -> None:
    from yiwang.metadata.documents.checks import check_document

    doc = document()
    first = doc["forms"]["apply"]["sections"][0]["fields"][0]
    doc["fields"][first]["internal"] = True
    errors = [e.code for e in check_document(doc, types={"permit"}, base_layer=True)]
    assert "metadata.form.internal_on_citizen_form" in errors


def test_staff_forms_have_no_descriptor(effective: dict[str, EffectiveModel]) -> None:
    with pytest.raises(NotFound):
        citizen_form_descriptor(effective[TENANT], TENANT, "evaluation", "rectify")


def test_descriptor_bytes_are_built_once_per_model(effective: dict[str, EffectiveModel]) -> None:
    model = effective[TENANT]
    first = encoded_citizen_form(model, TENANT, "evaluation", "rate")
    assert encoded_citizen_form(model, TENANT, "evaluation", "rate") is first
    assert msgspec.json.decode(first.body)["schema"]["properties"]["level"]["enum"]
    assert first.etag_parts == (model.content_hash[:20], "evaluation", "rate")


def test_a_small_model_gets_a_descriptor_with_every_part() -> None:
    model = freeze("620000", (base_layer("620000", Model(documents={"permit": document()})),))
    descriptor = citizen_form_descriptor(model, "620000", "permit", "apply")
    assert set(descriptor) >= {"schema", "schema_draft07", "ui_schema", "uischema", "i18n"}
    assert descriptor["ui_schema"]["amount"]["ui:field"] == "yiwang-money"
