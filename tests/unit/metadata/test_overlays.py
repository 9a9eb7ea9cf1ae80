"""Extend, never weaken: every overlay rule, allowed and refused, each with its own code."""

from __future__ import annotations

from typing import Any

import pytest

from yiwang.metadata.documents.errors import MetadataInvalid
from yiwang.metadata.documents.shapes import Model, Overlay
from yiwang.metadata.overlays.apply import apply_overlay

from .docs import document

SHARED = {
    "colors": {
        "label": "颜色",
        "values": [{"code": "red", "label": "红"}, {"code": "blue", "label": "蓝"}],
    }
}


def _model() -> Model:
    doc = document()
    doc["fields"]["color"] = {"type": "code", "label": "颜色", "code_list": "colors"}
    return Model(documents={"permit": doc}, code_lists=SHARED)


def _apply(patch: dict[str, Any], shared: dict[str, Any] | None = None) -> Model:
    body: dict[str, Any] = {"tenant": "620100", "documents": {"permit": patch}}
    if shared is not None:
        body["code_lists"] = shared
    return apply_overlay(_model(), Overlay.from_body(body))


def _refused(patch: dict[str, Any], shared: dict[str, Any] | None = None) -> list[tuple[str, str]]:
    with pytest.raises(MetadataInvalid) as info:
        _apply(patch, shared)
    return [(d.code, d.pointer or "") for d in info.value.details]


P = "/documents/permit"


# --- allowed --------------------------------------------------------------


def test_adds_an_x_field_relabels_and_tightens() -> None:
    model = _apply(
        {
            "fields": {
                "x_window": {"type": "text", "label": "窗口号", "max_length": 10},
                "note": {"label": "情况说明", "help": "写清楚", "required": True},
                "amount": {"min": 10, "max": 500, "default": 100},
                "name": {"pattern": "^[^0-9]+$", "max_length": 40},
            }
        }
    )
    fields = model.documents["permit"]["fields"]
    assert fields["x_window"]["label"] == "窗口号"
    assert (fields["note"]["label"], fields["note"]["required"]) == ("情况说明", True)
    assert (fields["amount"]["min"], fields["amount"]["max"]) == (10, 500)
    assert fields["name"]["max_length"] == 40


def test_a_new_condition_adds_to_the_inherited_one() -> None:
    first = {"required": ["name"]}
    second = {"required": ["amount"]}
    model = _apply({"fields": {"note": {"required_when": first}}})
    model = apply_overlay(
        model,
        Overlay.from_body(
            {
                "tenant": "620102",
                "documents": {"permit": {"fields": {"note": {"required_when": second}}}},
            }
        ),
    )
    assert model.documents["permit"]["fields"]["note"]["required_when"] == {
        "anyOf": [first, second]
    }


def test_adds_table_columns_and_code_values() -> None:
    model = _apply(
        {
            "fields": {"rows": {"columns": {"x_qty": {"type": "integer", "label": "数量"}}}},
            "code_lists": {
                "kinds": {"add": [{"code": "c", "label": "丙"}], "relabel": {"a": "甲类"}}
            },
        },
        shared={"colors": {"add": [{"code": "green", "label": "绿"}]}},
    )
    doc = model.documents["permit"]
    assert "x_qty" in doc["fields"]["rows"]["columns"]
    assert [v["label"] for v in doc["code_lists"]["kinds"]["values"]] == ["甲类", "乙", "丙"]
    assert [v["code"] for v in model.code_lists["colors"]["values"]] == ["red", "blue", "green"]
    assert [v["code"] for v in SHARED["colors"]["values"]] == ["red", "blue"], "base untouched"


def test_inserts_steps_drops_optional_ones_shortens_the_promise() -> None:
    model = _apply(
        {
            "routes": {
                "standard": {
                    "promised_days": 5,
                    "remove": ["review"],
                    "update": {"decide": {"role": "x_city_leader", "time_limit_days": 2}},
                    "insert": [
                        {
                            "after": "accept",
                            "step": {
                                "key": "x_check",
                                "label": "复核",
                                "kind": "review",
                                "on_reject": "reject_case",
                            },
                        },
                        {
                            "before": "accept",
                            "step": {
                                "key": "x_pre",
                                "label": "预审",
                                "kind": "review",
                                "on_reject": "return_to_applicant",
                            },
                        },
                        {"step": {"key": "x_notify", "label": "回访", "kind": "issue"}},
                    ],
                }
            }
        }
    )
    route = model.documents["permit"]["routes"]["standard"]
    assert [s["key"] for s in route["steps"]] == [
        "x_pre",
        "accept",
        "x_check",
        "decide",
        "x_notify",
    ]
    assert route["promised_days"] == 5
    assert route["steps"][3]["role"] == "x_city_leader"


def test_forms_lists_rules_and_publication() -> None:
    model = _apply(
        {
            "forms": {
                "apply": {
                    "sections": {
                        "main": {"order": ["amount", "kind", "name"], "add_fields": ["color"]},
                        "more": {"hide": ["note"], "label": "补充信息"},
                        "x_local": {"label": "本地", "fields": ["days"], "after": "main"},
                    }
                },
                "x_quick": {
                    "label": "快速申请",
                    "audience": "citizen",
                    "sections": {"only": {"label": "基本", "fields": ["name"]}},
                },
            },
            "lists": {
                "index": {"add_columns": ["amount"], "add_filters": ["color"], "page_size": 10},
                "x_mine": {"label": "本地目录", "audience": "staff", "columns": ["name"]},
            },
            "rules": {
                "cap": {"max": 2, "label": "每类至多 2 项"},
                "x_min": {"kind": "aggregate", "label": "至少 1 项", "min": 1, "scope": "tenant"},
            },
            "publication": {"add_detail_fields": ["amount"], "section_label": "许可公示"},
        }
    )
    doc = model.documents["permit"]
    sections = doc["forms"]["apply"]["sections"]
    assert [s["key"] for s in sections] == ["main", "x_local", "more"]
    assert sections[0]["fields"] == ["amount", "kind", "name", "color"]
    assert sections[2]["fields"] == ["rows"]
    assert doc["forms"]["x_quick"]["sections"][0]["key"] == "only"
    assert doc["lists"]["index"]["columns"] == ["name", "kind", "amount"]
    assert doc["rules"]["cap"]["max"] == 2 and "x_min" in doc["rules"]
    assert doc["publication"]["detail_fields"] == ["amount"]


def test_untouched_documents_are_shared_not_copied() -> None:
    base = _model()
    other = document(key="other")
    model = Model(documents={**base.documents, "other": other}, code_lists=SHARED)
    result = apply_overlay(
        model,
        Overlay.from_body({"tenant": "620100", "documents": {"permit": {"label": "新名称"}}}),
    )
    assert result.documents["other"] is other
    assert result.documents["permit"] is not model.documents["permit"]
    assert model.documents["permit"]["label"] == "许可"


# --- refused: one code each -------------------------------------------------


@pytest.mark.parametrize(
    ("patch", "expected"),
    [
        ({"fields": {"note": None}}, ("metadata.overlay.field_removed", f"{P}/fields/note")),
        (
            {"fields": {"amount": {"type": "decimal"}}},
            ("metadata.overlay.field_retyped", f"{P}/fields/amount/type"),
        ),
        (
            {"fields": {"kind": {"code_list": "colors"}}},
            ("metadata.overlay.field_retyped", f"{P}/fields/kind/code_list"),
        ),
        (
            {"fields": {"name": {"required": False}}},
            ("metadata.overlay.weakens_required", f"{P}/fields/name/required"),
        ),
        (
            {"fields": {"amount": {"max": 5000}}},
            ("metadata.overlay.loosens_bound", f"{P}/fields/amount/max"),
        ),
        (
            {"fields": {"amount": {"min": -1}}},
            ("metadata.overlay.loosens_bound", f"{P}/fields/amount/min"),
        ),
        (
            {"fields": {"name": {"max_length": 51}}},
            ("metadata.overlay.loosens_bound", f"{P}/fields/name/max_length"),
        ),
        (
            {"fields": {"local": {"type": "text", "label": "本地"}}},
            ("metadata.overlay.x_prefix_required", f"{P}/fields/local"),
        ),
        (
            {"fields": {"x_bad": {"type": "textual", "label": "坏"}}},
            ("metadata.field.type_unknown", f"{P}/fields/x_bad/type"),
        ),
        (
            {"code_lists": {"kinds": {"add": [{"code": "a", "label": "重复"}]}}},
            ("metadata.overlay.code_value_collision", f"{P}/code_lists/kinds/add/0/code"),
        ),
        (
            {"code_lists": {"kinds": {"remove": ["a"]}}},
            ("metadata.overlay.code_value_removed", f"{P}/code_lists/kinds/remove/0"),
        ),
        (
            {"code_lists": {"kinds": {"relabel": {"z": "无"}}}},
            ("metadata.overlay.unknown_target", f"{P}/code_lists/kinds/relabel/z"),
        ),
        (
            {"routes": {"standard": {"remove": ["accept"]}}},
            ("metadata.overlay.mandatory_step_dropped", f"{P}/routes/standard/remove/0"),
        ),
        (
            {"routes": {"standard": {"update": {"decide": {"mandatory": False}}}}},
            (
                "metadata.overlay.mandatory_step_dropped",
                f"{P}/routes/standard/update/decide/mandatory",
            ),
        ),
        (
            {"routes": {"standard": {"update": {"review": {"kind": "decide"}}}}},
            ("metadata.overlay.step_retyped", f"{P}/routes/standard/update/review/kind"),
        ),
        (
            {"routes": {"standard": {"promised_days": 21}}},
            ("metadata.overlay.promise_exceeds_statutory", f"{P}/routes/standard/promised_days"),
        ),
        (
            {"routes": {"standard": {"promised_days": 12}}},
            ("metadata.overlay.loosens_bound", f"{P}/routes/standard/promised_days"),
        ),
        (
            {"routes": {"standard": {"statutory_days": 30}}},
            ("metadata.overlay.statutory_fixed", f"{P}/routes/standard/statutory_days"),
        ),
        (
            {
                "routes": {
                    "standard": {
                        "insert": [
                            {
                                "after": "ghost",
                                "step": {
                                    "key": "x_a",
                                    "label": "甲",
                                    "kind": "review",
                                    "on_reject": "reject_case",
                                },
                            }
                        ]
                    }
                }
            },
            ("metadata.overlay.anchor_missing", f"{P}/routes/standard/insert/0/after"),
        ),
        (
            {
                "routes": {
                    "standard": {
                        "insert": [
                            {
                                "step": {
                                    "key": "check",
                                    "label": "复核",
                                    "kind": "review",
                                    "on_reject": "reject_case",
                                }
                            }
                        ]
                    }
                }
            },
            ("metadata.overlay.x_prefix_required", f"{P}/routes/standard/insert/0/step/key"),
        ),
        (
            {"routes": {"standard": {"update": {"review": {"stops_clock": True}}}}},
            ("metadata.overlay.loosens_bound", f"{P}/routes/standard/update/review/stops_clock"),
        ),
        (
            {"forms": {"apply": {"sections": {"main": {"hide": ["name"]}}}}},
            ("metadata.overlay.hide_required", f"{P}/forms/apply/sections/main/hide/0"),
        ),
        (
            {"forms": {"apply": {"sections": {"main": {"order": ["name", "kind"]}}}}},
            ("metadata.overlay.reorder_mismatch", f"{P}/forms/apply/sections/main/order"),
        ),
        (
            {"forms": {"apply": {"audience": "staff"}}},
            ("metadata.overlay.patch_not_allowed", f"{P}/forms/apply/audience"),
        ),
        ({"rules": {"cap": None}}, ("metadata.overlay.rule_removed", f"{P}/rules/cap")),
        (
            {"rules": {"cap": {"max": 4}}},
            ("metadata.overlay.loosens_bound", f"{P}/rules/cap/max"),
        ),
        (
            {"rules": {"promise": {"op": "lt"}}},
            ("metadata.overlay.patch_not_allowed", f"{P}/rules/promise/op"),
        ),
        (
            {"fields": {"note": {"pii": True}, "name": {"pii": True}}},
            None,
        ),
    ],
)
def test_each_weakening_is_refused_with_its_own_code(
    patch: dict[str, Any], expected: tuple[str, str] | None
) -> None:
    if expected is None:
        _apply(patch)
        return
    assert _refused(patch) == [expected]


def test_pii_cannot_be_unset() -> None:
    first = _apply({"fields": {"note": {"pii": True}}})
    overlay = Overlay.from_body(
        {"tenant": "620102", "documents": {"permit": {"fields": {"note": {"pii": False}}}}}
    )
    with pytest.raises(MetadataInvalid) as info:
        apply_overlay(first, overlay)
    assert info.value.code == "metadata.overlay.weakens_privacy"


def test_shared_code_list_collision() -> None:
    found = _refused({}, shared={"colors": {"add": [{"code": "red", "label": "朱红"}]}})
    assert found == [("metadata.overlay.code_value_collision", "/code_lists/colors/add/0/code")]


def test_unknown_document_or_shared_list() -> None:
    body = {"tenant": "620100", "documents": {"ghost": {}}, "code_lists": {"nope": {"relabel": {}}}}
    with pytest.raises(MetadataInvalid) as info:
        apply_overlay(_model(), Overlay.from_body(body))
    assert {(d.code, d.pointer) for d in info.value.details} == {
        ("metadata.overlay.unknown_target", "/documents/ghost"),
        ("metadata.overlay.unknown_target", "/code_lists/nope"),
    }


def test_all_problems_are_reported_at_once() -> None:
    found = _refused(
        {
            "fields": {"note": None, "name": {"required": False}},
            "rules": {"cap": None},
            "routes": {"standard": {"remove": ["accept", "decide"]}},
        }
    )
    assert len(found) == 5


def test_a_malformed_overlay_fails_its_meta_schema_first() -> None:
    with pytest.raises(MetadataInvalid) as info:
        apply_overlay(_model(), Overlay(tenant="620100", body={"tenant": "620100", "fields": {}}))
    assert (info.value.code, info.value.pointer) == ("metadata.schema.unknown_property", "/fields")


# --- where added code values go ------------------------------------------------


def _places(values: list[dict[str, Any]], added: list[dict[str, Any]]) -> list[str]:
    shared = {"colors": {"label": "颜色", "values": values}}
    body = {"tenant": "620100", "code_lists": {"colors": {"add": added}}}
    model = apply_overlay(Model(documents={}, code_lists=shared), Overlay.from_body(body))
    return [v["code"] for v in model.code_lists["colors"]["values"]]


WITH_OTHER = [
    {"code": "red", "label": "红"},
    {"code": "blue", "label": "蓝"},
    {"code": "other", "label": "其他", "catch_all": True},
]


def test_added_values_go_before_the_catch_all_in_their_order() -> None:
    added = [{"code": "green", "label": "绿"}, {"code": "grey", "label": "灰"}]
    assert _places(WITH_OTHER, added) == ["red", "blue", "green", "grey", "other"]


def test_without_a_catch_all_added_values_go_last() -> None:
    assert _places(WITH_OTHER[:2], [{"code": "green", "label": "绿"}]) == ["red", "blue", "green"]


def test_an_overlay_may_say_where_a_value_goes() -> None:
    added = [
        {"code": "pink", "label": "粉", "after": "red"},
        {"code": "black", "label": "黑", "before": "red"},
    ]
    assert _places(WITH_OTHER, added) == ["black", "red", "pink", "blue", "other"]
    placed = _places(WITH_OTHER, [{"code": "x", "label": "未列", "after": "other"}])
    assert placed[-1] == "x"


def test_an_unknown_anchor_is_refused_at_its_pointer() -> None:
    shared = {"colors": {"label": "颜色", "values": WITH_OTHER}}
    body = {
        "tenant": "620100",
        "code_lists": {"colors": {"add": [{"code": "g", "label": "绿", "before": "nope"}]}},
    }
    with pytest.raises(MetadataInvalid) as info:
        apply_overlay(Model(documents={}, code_lists=shared), Overlay.from_body(body))
    assert [(d.code, d.pointer) for d in info.value.details] == [
        ("metadata.overlay.unknown_target", "/code_lists/colors/add/0/before")
    ]


def test_before_and_after_together_fail_the_meta_schema() -> None:
    shared = {"colors": {"label": "颜色", "values": WITH_OTHER}}
    value = {"code": "g", "label": "绿", "before": "red", "after": "blue"}
    body = {"tenant": "620100", "code_lists": {"colors": {"add": [value]}}}
    with pytest.raises(MetadataInvalid) as info:
        apply_overlay(Model(documents={}, code_lists=shared), Overlay.from_body(body))
    assert info.value.details[0].pointer == "/code_lists/colors/add/0"
