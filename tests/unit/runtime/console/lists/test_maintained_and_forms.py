"""Which lists the console maintains and how their staff forms are drawn, from the
bundled models: the province's, and 城关区's below 兰州市's local field."""

from __future__ import annotations

from pathlib import Path

import pytest

from yiwang.metadata.resolution.resolve import EffectiveModel, base_layer, resolve
from yiwang.metadata.versions.bundled import load_base_model, load_overlays
from yiwang.platform.errors import ErrorDetail
from yiwang.runtime.console.lists.maintained import maintained, maintained_types
from yiwang.runtime.console.lists.staff_form import form_errors, staff_form_descriptor
from yiwang.runtime.forms.rendering import render_form
from yiwang.runtime.forms.values import read_submission

TEMPLATES = Path(__file__).resolve().parents[5] / "tenant_templates"


@pytest.fixture(scope="module")
def chengguan() -> EffectiveModel:
    overlays = load_overlays(TEMPLATES)
    return resolve(
        "620102",
        base_layer("620000", load_base_model(TEMPLATES)),
        [overlays["620100"], overlays["620102"]],
    )


def test_the_maintained_lists_are_the_published_types_staff_alone_write(
    province: EffectiveModel,
) -> None:
    found = [(m.key, m.view, m.form) for m in maintained_types(province)]
    assert found == [
        ("power_item", "staff_index", "compile"),
        ("responsibility_item", "staff_index", "compile"),
        ("service_item", "staff_index", "compile"),
        ("special_fund", "staff_index", "compile"),
    ]
    # a citizen's application and a published consultation are no list kept here
    assert maintained(province, "application") is None
    assert maintained(province, "consultation") is None
    assert maintained(province, "nothing") is None


def test_a_local_field_is_on_the_staff_form_below_its_region_only(
    province: EffectiveModel, chengguan: EffectiveModel
) -> None:
    local = staff_form_descriptor(chengguan, "620102", "service_item", "compile")
    base = staff_form_descriptor(province, "620000", "service_item", "compile")
    assert "x_lz_hotline_code" in local["schema"]["properties"]
    assert "x_lz_hotline_code" not in base["schema"]["properties"]
    html = render_form(local, None, [], action="/x")
    assert 'name="x_lz_hotline_code"' in html and "12345 热线知识库编码" in html


def test_the_records_services_pointers_land_at_their_fields(province: EffectiveModel) -> None:
    descriptor = staff_form_descriptor(province, "620000", "power_item", "compile")
    moved = form_errors(
        [
            ErrorDetail("metadata.record.pattern", "/data/catalog_code", {"label": "基本编码"}),
            ErrorDetail("records.stale", "", {"current": 2, "given": 1}),
        ]
    )
    assert [d.pointer for d in moved] == ["/catalog_code", ""]
    typed = read_submission(descriptor, {"catalog_code": ["12ab"]})
    html = render_form(descriptor, typed, moved, action="/x")
    assert 'id="f-catalog_code"' in html
    control = html.split('id="f-catalog_code"')[1].split(">")[0]
    assert 'aria-invalid="true"' in control and 'value="12ab"' in control
