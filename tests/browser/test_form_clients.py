"""Every citizen form of the base model in the real clients: rjsf 6 + ajv8 and JSON Forms 3.

The descriptors are the ones the server serves (built in-process from the
templates, for 城关区 with its overlays); the clients are the bundle in
`clients/dist` (no network). Each defect the forms had in these clients has
a check here that fails if it comes back.
"""

from __future__ import annotations

import csv
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from playwright.async_api import Browser, Page

from yiwang.metadata.generators.descriptors import citizen_form_descriptor
from yiwang.metadata.generators.validation import form_validator
from yiwang.metadata.resolution.resolve import EffectiveModel, base_layer, overlay_chain, resolve
from yiwang.metadata.versions.bundled import load_base_model, load_overlays
from yiwang.policy.identity.codes import credit_code_check_char, resident_id_check_digit

from ..unit.metadata.payloads import record_strategy

TEMPLATES = Path(__file__).resolve().parents[2] / "tenant_templates"
HARNESS = Path(__file__).resolve().parent / "clients" / "dist" / "harness.js"
TENANT = "620102"
CITIZEN_FORMS = [
    ("food_business_license", "apply"),
    ("public_place_hygiene", "apply"),
    ("subsistence_allowance", "apply"),
    ("individual_business_registration", "apply"),
    ("fire_design_review", "apply"),
    ("evaluation", "rate"),
    ("application", "apply"),
    ("complaint", "submit"),
    ("consultation", "ask"),
]
CLIENTS = [
    ("renderRjsf", "draft-07"),
    ("renderRjsf", "2020-12"),
    ("renderJsonForms", "draft-07"),
    ("renderJsonForms", "2020-12"),
]
CJK = re.compile(r"[\u4e00-\u9fff]")
VALID_ID = "11010519491231002X"
VALID_CREDIT = "91350100M000100Y4" + credit_code_check_char("91350100M000100Y4")


@pytest.fixture(scope="module")
def model() -> EffectiveModel:
    base = base_layer("620000", load_base_model(TEMPLATES))
    with (TEMPLATES / "gansu-divisions.csv").open(encoding="utf-8") as handle:
        parents = {r["code"]: (r["parent_code"] or None) for r in csv.DictReader(handle)}
    return resolve(TENANT, base, overlay_chain(TENANT, parents, load_overlays(TEMPLATES)))


@pytest.fixture(scope="module")
async def harness(browser: Browser) -> AsyncIterator[tuple[Page, list[str]]]:
    """One page with the clients loaded, for every test of the module: the bundle is
    parsed once (a second a test on a loaded machine), and each render starts in a
    fresh element (`_render` unmounts the previous form)."""
    page = await browser.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda e: problems.append(str(e)))
    await page.set_content('<html lang="zh-CN"><body><div id="form"></div></body></html>')
    await page.add_script_tag(path=str(HARNESS))
    yield page, problems
    await page.close()


@pytest.fixture
async def page(harness: tuple[Page, list[str]]) -> AsyncIterator[Page]:
    """The clients' page; an error the page threw during the test fails it."""
    page, problems = harness
    problems.clear()
    yield page
    assert problems == [], problems


async def _render(
    page: Page, descriptor: dict[str, Any], client: str, dialect: str, data: Any
) -> dict[str, Any]:
    """Render in a fresh element; answer the client's data, its errors and the page text."""
    result: dict[str, Any] = await page.evaluate(
        """async ([d, client, dialect, data]) => {
            const el = document.getElementById("form");
            if (window.current) window.current.unmount();
            el.innerHTML = "";
            const handle = window.yiwang[client](el, d, {dialect, formData: data, data});
            window.current = handle;
            await new Promise((r) => setTimeout(r, 30));
            const checked = handle.validate();
            await new Promise((r) => setTimeout(r, 30));
            return {
                data: handle.data(),
                ok: checked.ok,
                errors: checked.errors,
                text: el.innerText,
                files: el.querySelectorAll("[data-widget=yiwang-file]").length,
                pickers: el.querySelectorAll("[data-widget=yiwang-picker]").length,
                money: el.querySelectorAll("[data-widget=yiwang-money]").length,
                checkedRadios: el.querySelectorAll("input[type=radio]:checked").length,
            };
        }""",
        [descriptor, client, dialect, data],
    )
    return result


def _server_errors(
    model: EffectiveModel, key: str, form: str, payload: Any
) -> set[tuple[str, str]]:
    return {
        (d.pointer or "", d.message()) for d in form_validator(model, key, form).errors(payload)
    }


def _client_errors(result: dict[str, Any]) -> set[tuple[str, str]]:
    return {(e["pointer"], e["message"]) for e in result["errors"]}


def _one_row(descriptor: dict[str, Any]) -> dict[str, Any]:
    """Tables with one empty row, so their columns render."""
    props = descriptor["schema"]["properties"]
    return {
        k: [{}]
        for k, p in props.items()
        if p.get("items", {}).get("type") == "object"
        and "columns" not in p
        and "key" not in p["items"].get("properties", {})
    }


def _widgets(descriptor: dict[str, Any], data: dict[str, Any]) -> dict[str, int]:
    """How many of each contract widget the form must show for `data`."""
    counts = {"yiwang-file": 0, "yiwang-picker": 0, "yiwang-money": 0}
    ui = descriptor["ui_schema"]
    for key in ui["ui:order"]:
        field_ui = ui.get(key, {})
        widget = field_ui.get("ui:field")
        if widget in counts:
            counts[widget] += 1
        for col_ui in field_ui.get("items", {}).values():
            if isinstance(col_ui, dict) and col_ui.get("ui:field") in counts:
                counts[col_ui["ui:field"]] += len(data.get(key, []))
    return counts


@pytest.mark.parametrize(("key", "form"), CITIZEN_FORMS)
async def test_every_field_renders_and_nothing_is_chosen_for_the_citizen(
    page: Page, model: EffectiveModel, key: str, form: str
) -> None:
    descriptor = citizen_form_descriptor(model, TENANT, key, form)
    data = _one_row(descriptor)
    expected = _widgets(descriptor, data)
    schema = descriptor["schema"]
    coded = [
        k
        for k, p in schema["properties"].items()
        if ("enum" in p and p["enum"] != [True]) or "enum" in p.get("items", {})
    ]
    ticks = [k for k, p in schema["properties"].items() if p.get("enum") == [True]]
    for client, dialect in CLIENTS:
        result = await _render(page, descriptor, client, dialect, data)
        where = f"{client} {dialect}"
        assert "No applicable renderer" not in result["text"], where
        assert "Unsupported field" not in result["text"], where
        for name, prop in schema["properties"].items():
            assert prop["title"] in result["text"], (where, name)
            for column in prop.get("items", {}).get("properties", {}).values():
                if "title" in column and name in data:
                    assert column["title"] in result["text"], (where, name, column["title"])
        assert result["files"] == expected["yiwang-file"], where
        assert result["pickers"] == expected["yiwang-picker"], where
        assert result["money"] == expected["yiwang-money"], where
        chosen = {
            k: result["data"].get(k) for k in coded if result["data"].get(k) not in (None, [])
        }
        assert chosen == {}, where
        assert result["checkedRadios"] == 0, where
        assert [k for k in ticks if result["data"].get(k) is True] == [], where


@pytest.mark.parametrize(("key", "form"), CITIZEN_FORMS)
async def test_empty_form_errors_are_the_servers_in_chinese(
    page: Page, model: EffectiveModel, key: str, form: str
) -> None:
    """Required errors where the server puts them, with the server's words."""
    descriptor = citizen_form_descriptor(model, TENANT, key, form)
    for client, dialect in CLIENTS:
        result = await _render(page, descriptor, client, dialect, {})
        server = _server_errors(model, key, form, result["data"] or {})
        assert server, "an empty form must be refused"
        assert _client_errors(result) == server, (client, dialect)
        for _, message in server:
            assert CJK.search(message) and message in result["text"], (client, dialect, message)


def _repaired(descriptor: dict[str, Any], payload: dict[str, Any]) -> dict[str, Any]:
    """Valid check characters where the shape is right, so valid payloads occur."""
    props = descriptor["schema"]["properties"]

    def fix(schema: dict[str, Any], value: Any) -> Any:
        check = schema.get("x-yiwang-check")
        if isinstance(value, str) and check == "gb11643":
            return VALID_ID
        if isinstance(value, str) and check == "gb32100":
            return VALID_CREDIT
        return value

    out = dict(payload)
    for key, value in payload.items():
        schema = props.get(key, {})
        if isinstance(value, list) and schema.get("items", {}).get("type") == "object":
            columns = schema["items"].get("properties", {})
            out[key] = [
                {c: fix(columns.get(c, {}), v) for c, v in row.items()}
                if isinstance(row, dict)
                else row
                for row in value
            ]
        else:
            out[key] = fix(schema, value)
    return out


def _examples(model: EffectiveModel, key: str, form: str, count: int) -> list[Any]:
    descriptor = citizen_form_descriptor(model, TENANT, key, form)
    document = model.document(key)
    shown = {k: document["fields"][k] for k in descriptor["ui_schema"]["ui:order"]}
    validator = form_validator(model, key, form)
    out: list[Any] = []

    @settings(
        max_examples=count,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    @given(
        st.one_of(
            record_strategy(document, shown, valid=True).map(lambda p: _repaired(descriptor, p)),
            record_strategy(document, shown),
            record_strategy(document, shown, valid=True)
            .map(lambda p: _repaired(descriptor, p))
            .filter(validator.is_valid),
        )
    )
    def collect(payload: dict[str, Any]) -> None:
        out.append(payload)

    collect()
    return out


@pytest.mark.parametrize(("key", "form"), CITIZEN_FORMS)
async def test_clients_and_server_agree_on_generated_payloads(
    page: Page, model: EffectiveModel, key: str, form: str
) -> None:
    descriptor = citizen_form_descriptor(model, TENANT, key, form)
    payloads = _examples(model, key, form, 16)
    server = [form_validator(model, key, form).is_valid(p) for p in payloads]
    assert True in server and False in server, "both verdicts must occur"
    clients = await page.evaluate(
        "([d, ps]) => window.yiwang.verdicts(d, ps)", [descriptor, payloads]
    )
    for name, verdicts in clients.items():
        disagree = [p for p, s, c in zip(payloads, server, verdicts, strict=True) if s != c]
        assert disagree == [], name


BROKEN = {
    "individual_business_registration": {
        "operator_name": "张三",
        "operator_id_number": "110105194912310021",  # wrong check character
        "operator_phone": "1234",
        "operation_form": "family",
        "family_members": [],  # 家庭经营 requires at least one member
        "premises_address": "城关区庆阳路 1 号",
        "premises_division": "620102",
        "industry": "G",
        "business_scope": "日用百货零售",
        "capital": 5000000,
        "employees": 2,
    },
    "food_business_license": {
        "credit_code": "91350100M000100Y40",
        "legal_rep_phone": "000",
        "employees": 3,
        "health_certified": 5,  # 持健康证明人数不得超过从业人员数
        "commitment": False,
    },
    "subsistence_allowance": {
        "applicant_phone": "0931-8123456",
        "authorize_check": False,
        "members": [{"member_name": "王五", "member_id_number": "620102199001011235"}],
    },
}


@pytest.mark.parametrize("key", sorted(BROKEN))
async def test_broken_payloads_get_the_same_errors_everywhere(
    page: Page, model: EffectiveModel, key: str
) -> None:
    """Phone shapes, check characters, comparisons, empty tables, ticked boxes: the
    clients find exactly what the server finds, at the same pointers, in its words."""
    descriptor = citizen_form_descriptor(model, TENANT, key, "apply")
    payload = BROKEN[key]
    server = _server_errors(model, key, "apply", payload)
    for client, dialect in CLIENTS:
        result = await _render(page, descriptor, client, dialect, payload)
        assert _client_errors(result) == _server_errors(model, key, "apply", result["data"]), (
            client,
            dialect,
        )
    pointers = {p for p, _ in server}
    expected = {
        "individual_business_registration": {
            "/operator_id_number",
            "/operator_phone",
            "/family_members",
        },
        "food_business_license": {
            "/credit_code",
            "/legal_rep_phone",
            "/health_certified",
            "/commitment",
        },
        "subsistence_allowance": {"/authorize_check", "/members/0/member_id_number"},
    }[key]
    assert expected <= pointers
    assert all("True" not in m and "False" not in m for _, m in server)


async def test_money_is_typed_and_shown_in_yuan(page: Page, model: EffectiveModel) -> None:
    descriptor = citizen_form_descriptor(model, TENANT, "individual_business_registration", "apply")
    for client, dialect in CLIENTS:
        await _render(page, descriptor, client, dialect, {"capital": 500000000})
        field = page.locator("[data-widget=yiwang-money] input")
        assert await field.input_value() == "5000000.00", client
        await field.fill("1234.56")
        data = await page.evaluate(
            "async () => { await new Promise((r) => setTimeout(r, 50)); return window.current.data(); }"
        )
        assert data["capital"] == 123456, (client, dialect)


async def test_required_checkbox_is_marked_and_not_ticked(
    page: Page, model: EffectiveModel
) -> None:
    descriptor = citizen_form_descriptor(model, TENANT, "subsistence_allowance", "apply")
    result = await _render(page, descriptor, "renderRjsf", "draft-07", {})
    assert result["data"].get("authorize_check") is not True
    box = page.locator("#root_authorize_check")
    assert not await box.is_checked()
    label = await page.locator("label:has(#root_authorize_check)").inner_text()
    assert label.strip().endswith("*")
    assert resident_id_check_digit("11010519491231002") == VALID_ID[-1]
