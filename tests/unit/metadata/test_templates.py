"""The base model, the example overlays and the sample content in tenant_templates/."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from yiwang.metadata.documents.errors import MetadataInvalid
from yiwang.metadata.documents.route_roles import route_role_errors
from yiwang.metadata.documents.shapes import Model, Overlay
from yiwang.metadata.generators.record_rules import aggregate_violations, unique_violations
from yiwang.metadata.generators.validation import record_validator
from yiwang.metadata.resolution.resolve import EffectiveModel, Layer, overlay_chain, resolve
from yiwang.metadata.versions.bundled import (
    load_base_model,
    load_overlay_file,
    load_overlays,
    load_samples,
)
from yiwang.platform.settings import bundled_templates
from yiwang.policy.catalogue import load_catalogue

from .conftest import PROVINCE

ITEM_TYPES = {
    "power_item",
    "responsibility_item",
    "service_item",
    "special_fund",
    "application",
    "certificate",
    "complaint",
    "consultation",
    "evaluation",
}


def test_base_model_covers_every_system(base_model: Model) -> None:
    kinds = {key: doc["kind"] for key, doc in base_model.documents.items()}
    assert {k for k, v in kinds.items() if v == "item"} == ITEM_TYPES
    assert len([k for k, v in kinds.items() if v == "form"]) >= 5
    power = base_model.documents["power_item"]
    assert base_model.code_lists["power_type"]["values"][0]["label"] == "行政许可"
    assert len(base_model.code_lists["power_type"]["values"]) == 10
    assert {"task_name", "task_type", "catalog_code", "task_code", "by_law", "use_level"} <= set(
        power["fields"]
    )
    levels = [v["label"] for v in base_model.code_lists["evaluation_level"]["values"]]
    assert levels == ["非常满意", "满意", "基本满意", "不满意", "非常不满意"]


def test_service_guide_uses_national_exchange_names(base_model: Model) -> None:
    fields = base_model.documents["service_item"]["fields"]
    for name in (
        "task_name",
        "task_type",
        "catalog_code",
        "task_code",
        "anticipate_day",
        "promise_day",
        "handle_type",
        "limit_scene_num",
        "link_way",
        "supervise_way",
        "server_type",
        "project_type",
        "accept_condition",
        "materials",
        "transact_addr",
        "is_online",
    ):
        assert name in fields, name
    columns = fields["materials"]["columns"]
    assert {"material_name", "is_required", "material_form", "page_num", "source"} <= set(columns)


@pytest.fixture(scope="module")
def samples(templates_root: Path) -> dict[str, list[dict[str, object]]]:
    return {s.type: s.records for s in load_samples(templates_root)}


def test_samples_validate_against_the_province_model(
    effective: dict[str, EffectiveModel], samples: dict[str, list[dict[str, object]]]
) -> None:
    assert set(samples) >= {"service_item", "power_item", "responsibility_item", "special_fund"}
    province = effective[PROVINCE]
    for key, records in samples.items():
        validator = record_validator(province, key)
        for index, record in enumerate(records):
            assert validator.errors(record) == [], (key, index)


def test_sample_services_name_existing_forms_and_routes(
    effective: dict[str, EffectiveModel], samples: dict[str, list[dict[str, object]]]
) -> None:
    services = samples["service_item"]
    assert len(services) >= 5
    for record in services:
        form = effective[PROVINCE].document(str(record["business_form"]))
        assert form["kind"] == "form"
        route = form["routes"][str(record["business_route"])]
        assert route["statutory_days"] == record["anticipate_day"]
        assert route["promised_days"] == record["promise_day"]


def test_sample_power_and_responsibility_lists_link_up(
    samples: dict[str, list[dict[str, object]]],
) -> None:
    powers = {r["task_code"] for r in samples["power_item"]}
    assert len({r["department"] for r in samples["power_item"]}) >= 3
    assert {r["power_item"] for r in samples["responsibility_item"]} <= powers


def test_sample_funds_respect_the_caps(
    effective: dict[str, EffectiveModel], samples: dict[str, list[dict[str, object]]]
) -> None:
    fund = effective[PROVINCE].document("special_fund")
    funds = samples["special_fund"]
    assert aggregate_violations(fund, funds, complete=True) == []
    assert unique_violations(fund, funds) == []
    per_department = Counter(r["competent_department"] for r in funds)
    assert len(per_department) >= 8 and len({r["fiscal_year"] for r in funds}) == 1
    sixth = dict(funds[0], fund_name="第六项")
    crowded = [*funds, *(dict(sixth, fund_name=f"新增{i}") for i in range(2))]
    errors = aggregate_violations(fund, crowded, complete=False)
    assert [e.code for e in errors] == ["metadata.record.rule_max"]
    assert "6" in errors[0].message()


def test_every_gansu_tenant_resolves(
    base: Layer, overlays: dict[str, Overlay], parents: dict[str, str | None]
) -> None:
    resolved = {
        code: resolve(code, base, overlay_chain(code, parents, overlays)) for code in parents
    }
    assert len(resolved) == 103
    assert len({m.content_hash for m in resolved.values()}) == 1 + len(overlays)


def test_example_overlays_show_what_regions_customise(effective: dict[str, EffectiveModel]) -> None:
    lanzhou, chengguan, yuzhong = effective["620100"], effective["620102"], effective["620123"]
    assert "x_lz_hotline_code" in lanzhou.document("service_item")["fields"]
    assert "x_lz_hotline_code" not in effective["620200"].document("service_item")["fields"]
    steps = [
        s["key"] for s in lanzhou.document("food_business_license")["routes"]["licensing"]["steps"]
    ]
    assert steps.index("x_lz_recheck") == steps.index("review") + 1
    route = chengguan.document("food_business_license")["routes"]["licensing"]
    assert (
        route["promised_days"]
        < lanzhou.document("food_business_license")["routes"]["licensing"]["promised_days"]
    )
    themes = [v["code"] for v in yuzhong.document("service_item")["code_lists"]["theme"]["values"]]
    assert "yz_plateau_vegetables" in themes
    assert "yz_plateau_vegetables" not in [
        v["code"] for v in chengguan.document("service_item")["code_lists"]["theme"]["values"]
    ]


def test_a_base_document_with_a_bad_file_names_it(tmp_path: Path) -> None:
    (tmp_path / "base" / "types").mkdir(parents=True)
    (tmp_path / "base" / "types" / "thing.yaml").write_text(
        "key: thing\nkind: item\nlabel: 东西\nfields:\n  a: {type: text, label: A}\n  a: {}\n",
        encoding="utf-8",
    )
    with pytest.raises(MetadataInvalid) as info:
        load_base_model(tmp_path)
    assert info.value.code == "metadata.syntax.duplicate_key"
    assert info.value.params["file"] == "base/types/thing.yaml"


def test_an_overlay_file_is_named_after_its_tenant(tmp_path: Path) -> None:
    (tmp_path / "620101.yaml").write_text('tenant: "620100"\n', encoding="utf-8")
    with pytest.raises(MetadataInvalid) as info:
        load_overlay_file(tmp_path / "620101.yaml")
    assert info.value.code == "metadata.template.overlay_name"


def test_every_route_step_of_the_templates_names_a_catalogue_role() -> None:
    """The base model and the example overlays name only roles someone can be granted."""
    root = bundled_templates()
    roles = load_catalogue(root).roles
    assert route_role_errors(load_base_model(root).as_json(), roles) == []
    for code, overlay in load_overlays(root).items():
        assert route_role_errors(overlay.body, roles) == [], code
    # and the check does look: a made-up role in a step is found where it is written
    base = load_base_model(root).as_json()
    steps = base["documents"]["power_item"]["routes"]["list_review"]["steps"]
    steps[2]["role"] = "x_made_up"
    found = route_role_errors(base, roles)
    assert [(e.code, e.pointer) for e in found] == [
        (
            "metadata.route.role_unknown",
            "/documents/power_item/routes/list_review/steps/2/role",
        )
    ]
