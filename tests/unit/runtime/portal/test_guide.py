"""The guide page's elements: public fields only, in the compile form's sections."""

from __future__ import annotations

from typing import Any

from yiwang.runtime.portal.guide import guide_sections

DOCUMENT: dict[str, Any] = {
    "key": "service_item",
    "code_lists": {"task_type": {"values": [{"code": "01", "label": "行政许可"}]}},
    "fields": {
        "task_name": {"type": "text", "label": "事项名称", "public": True},
        "task_type": {
            "type": "code",
            "label": "事项类型",
            "code_list": "task_type",
            "public": True,
        },
        "is_charge": {"type": "boolean", "label": "是否收费", "public": True},
        "effective_date": {"type": "date", "label": "计划生效日期", "public": True},
        "business_form": {"type": "text", "label": "业务表单"},
        "contact_id": {"type": "text", "label": "联系人证件", "public": True, "pii": True},
        "materials": {
            "type": "table",
            "label": "申请材料",
            "public": True,
            "columns": {
                "material_name": {"type": "text", "label": "材料名称"},
                "is_required": {"type": "boolean", "label": "是否必要"},
            },
        },
        "x_local_note": {"type": "text", "label": "本地说明", "public": True},
    },
    "forms": {
        "compile": {
            "sections": [
                {
                    "key": "basic",
                    "label": "基本信息",
                    "fields": ["task_name", "task_type", "business_form"],
                },
                {
                    "key": "more",
                    "label": "材料与收费",
                    "fields": ["materials", "is_charge", "effective_date"],
                },
            ]
        }
    },
}


def test_sections_follow_the_form_and_show_values_as_text() -> None:
    sections = guide_sections(
        DOCUMENT,
        {
            "task_name": "食品经营许可",
            "task_type": "01",
            "is_charge": False,
            "effective_date": "2026-12-01",
            "business_form": "food",
            "contact_id": "620102199001011234",
            "materials": [{"material_name": "申请书", "is_required": True}],
        },
    )
    assert [s.label for s in sections] == ["基本信息", "材料与收费", "其他要素"]
    basic = {e.key: e.text for e in sections[0].elements}
    assert basic == {"task_name": "食品经营许可", "task_type": "行政许可"}
    more = {e.key: e for e in sections[1].elements}
    assert more["is_charge"].text == "否"
    assert more["effective_date"].text == "2026年12月1日"
    table = more["materials"].table
    assert table is not None
    assert table.columns == ("材料名称", "是否必要") and table.rows == (("申请书", "是"),)
    # a local public field no section names still appears, last; pii and staff fields never
    assert [e.key for e in sections[2].elements] == ["x_local_note"]
    assert sections[2].elements[0].text == ""
    every = {e.key for s in sections for e in s.elements}
    assert "business_form" not in every and "contact_id" not in every
