"""Server-rendered forms: accessible HTML of any descriptor, errors beside their fields."""

from __future__ import annotations

import json
import re

import pytest
from bs4 import BeautifulSoup

from yiwang.metadata.documents.errors import FormInvalid
from yiwang.metadata.generators.descriptors import citizen_form_descriptor
from yiwang.metadata.generators.validation import form_validator
from yiwang.metadata.resolution.resolve import EffectiveModel
from yiwang.platform.errors import ErrorDetail
from yiwang.runtime.forms.rendering import render_form
from yiwang.runtime.forms.values import ADD_ROW, read_submission

TENANT = "620102"


def _soup(html: str) -> BeautifulSoup:
    return BeautifulSoup(html, "html.parser")


def _post(
    model: EffectiveModel, key: str, form: str, posted: dict[str, list[str]]
) -> BeautifulSoup:
    descriptor = citizen_form_descriptor(model, TENANT, key, form)
    submission = read_submission(descriptor, posted)
    errors: list[ErrorDetail] = list(submission.problems)
    try:
        form_validator(model, key, form).validate(submission.payload)
    except FormInvalid as invalid:
        read = {d.pointer for d in submission.problems}
        errors += [d for d in invalid.details if d.pointer not in read]
    return _soup(render_form(descriptor, submission, errors))


def test_every_field_has_a_label_and_sections_are_fieldsets(
    effective: dict[str, EffectiveModel],
) -> None:
    descriptor = citizen_form_descriptor(
        effective[TENANT], TENANT, "food_business_license", "apply"
    )
    soup = _soup(render_form(descriptor))
    sections = soup.select("fieldset.section > legend")
    assert [s.get_text() for s in sections] == [
        s["title"] for s in descriptor["ui_schema"]["ui:options"]["sections"]
    ]
    for key in descriptor["ui_schema"]["ui:order"]:
        control = soup.find(id=f"f-{key}")
        assert control is not None, key
        if control.name == "fieldset":
            assert control.legend is not None and control.legend.get_text().strip()
        else:
            assert soup.find("label", attrs={"for": f"f-{key}"}) is not None, key
    name = soup.find(id="f-operator_name")
    assert name.get("required") is not None and name.get("aria-required") == "true"
    assert "*" in soup.find("label", attrs={"for": "f-operator_name"}).get_text()
    assert soup.select("input[type=radio][checked]") == []
    assert soup.select("option[selected]") == []


def test_errors_sit_beside_their_fields_and_input_is_kept(
    effective: dict[str, EffectiveModel],
) -> None:
    soup = _post(
        effective[TENANT],
        "individual_business_registration",
        "apply",
        {
            "operator_name": ["<b>张三</b>"],
            "operator_phone": ["1234"],
            "capital": ["12x"],
            "operation_form": ["family"],
            "employees": ["3"],
        },
    )
    phone = soup.find(id="f-operator_phone")
    assert phone["value"] == "1234" and phone["aria-invalid"] == "true"
    error = soup.find(id="f-operator_phone-error")
    assert error.get_text(strip=True).startswith("“经营者联系电话”应为 11 位手机号码")
    assert "f-operator_phone-error" in phone["aria-describedby"].split()
    capital = soup.find(id="f-capital")
    assert capital["value"] == "12x"
    assert soup.find(id="f-capital-error").get_text(strip=True) == (
        "“资金数额”应填写金额（元），最多两位小数，如 1234.50。"
    )
    assert soup.find(id="f-operator_name")["value"] == "<b>张三</b>"  # kept, and escaped:
    assert soup.find("b") is None
    assert soup.find(id="f-family_members-error").get_text(strip=True) == (
        "请填写“参加经营的家庭成员”。"
    )
    summary = soup.find(id="error-summary")
    links = [a["href"] for a in summary.select("a")]
    assert "#f-operator_phone" in links and "#f-capital" in links
    assert soup.select_one("input[name=operation_form][value=family]").has_attr("checked")


def test_help_is_described_by(effective: dict[str, EffectiveModel]) -> None:
    descriptor = citizen_form_descriptor(
        effective[TENANT], TENANT, "individual_business_registration", "apply"
    )
    soup = _soup(render_form(descriptor))
    field = soup.find(id="f-business_name")
    assert field["aria-describedby"] == "f-business_name-help"
    assert soup.find(id="f-business_name-help").get_text().startswith("可以不使用名称")


def test_money_is_typed_in_yuan_and_posted_in_fen(effective: dict[str, EffectiveModel]) -> None:
    descriptor = citizen_form_descriptor(
        effective[TENANT], TENANT, "individual_business_registration", "apply"
    )
    submission = read_submission(descriptor, {"capital": ["50000.5"]})
    assert submission.payload["capital"] == 5000050
    shown = _soup(render_form(descriptor, {"capital": 5000050}))
    assert shown.find(id="f-capital")["value"] == "50000.50"
    assert "元" in shown.find("label", attrs={"for": "f-capital"}).get_text()


def test_table_rows_without_javascript(effective: dict[str, EffectiveModel]) -> None:
    model = effective[TENANT]
    descriptor = citizen_form_descriptor(model, TENANT, "subsistence_allowance", "apply")
    posted = {
        "members.0.member_name": ["王五"],
        "members.0.monthly_income": ["1200"],
        "members.1.member_name": [""],
        "_rows.members": ["2"],
        ADD_ROW: ["members"],
    }
    submission = read_submission(descriptor, posted)
    assert submission.payload["members"] == [{"member_name": "王五", "monthly_income": 120000}]
    assert submission.rows["members"] == 3  # the two shown, and a new one
    soup = _soup(render_form(descriptor, submission))
    assert soup.find(id="f-members-0-member_name")["value"] == "王五"
    assert soup.find(id="f-members-1-member_name")["value"] == ""
    errors = _post(model, "subsistence_allowance", "apply", {"members.0.member_name": ["王五"]})
    cell = errors.find(id="f-members-0-member_id_number-error")
    assert cell.get_text(strip=True) == "请填写“共同生活家庭成员第1行的身份证号码”。"


@pytest.mark.parametrize(("key", "form"), [("evaluation", "rate"), ("consultation", "ask")])
def test_a_valid_post_has_no_errors(
    effective: dict[str, EffectiveModel], key: str, form: str
) -> None:
    posted = {
        "evaluation": {"level": ["5"]},
        "consultation": {"question": ["办理营业执照需要什么材料？"]},
    }
    soup = _post(effective[TENANT], key, form, posted[key])
    assert soup.find(id="error-summary") is None
    assert soup.select(".error") == []
    assert re.search(r"[\u4e00-\u9fff]", soup.get_text())


REF = {
    "key": "t/16/attachments/0f",
    "name": "平面图.png",
    "size": 73,
    "content_type": "image/png",
    "sha256": "ab" * 32,
}


def test_a_page_that_stores_files_posts_multipart_and_keeps_what_a_field_holds(
    effective: dict[str, EffectiveModel],
) -> None:
    descriptor = citizen_form_descriptor(
        effective[TENANT], TENANT, "food_business_license", "apply"
    )
    # without uploads the file inputs stay disabled, as before
    plain = _soup(render_form(descriptor))
    assert plain.form.get("enctype") is None and plain.find(id="f-layout_plan").has_attr("disabled")
    posted = {
        "_file.layout_plan": [json.dumps(REF), "{not json", json.dumps({"key": "x"})],
        "_file.safety_rules": [json.dumps(REF), json.dumps({**REF, "name": "制度.pdf"})],
    }
    submission = read_submission(descriptor, posted)
    # a single file field holds one value, a multiple one a list; malformed ones are dropped
    assert submission.payload["layout_plan"] == REF
    assert [r["name"] for r in submission.payload["safety_rules"]] == ["平面图.png", "制度.pdf"]
    soup = _soup(
        render_form(descriptor, submission, uploads=True, actions=(("_save_draft", "保存草稿"),))
    )
    assert soup.form["enctype"] == "multipart/form-data"
    assert not soup.find(id="f-layout_plan").has_attr("disabled")
    kept = soup.find_all("input", attrs={"name": "_file.layout_plan"})
    assert [json.loads(i["value"]) for i in kept] == [REF]
    assert "已上传：平面图.png" in soup.find(id="f-layout_plan").parent.get_text()
    draft = soup.find("button", attrs={"name": "_save_draft"})
    assert draft.get_text() == "保存草稿" and draft.has_attr("formnovalidate")
