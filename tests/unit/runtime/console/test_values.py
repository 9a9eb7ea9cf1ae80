"""Form data as a reader expects it, the materials and their previews, the time left."""

from __future__ import annotations

import uuid
from datetime import date

from yiwang.runtime.console.handling import action_of, time_left
from yiwang.runtime.console.inbox import inbox_names, page_number
from yiwang.runtime.console.navigation import NAVIGATION, nav_for
from yiwang.runtime.console.values import Material, Row, as_verified, form_rows, materials
from yiwang.tenants.calendars.workdays import WorkingCalendar

from ..routes.models import CHENGGUAN, effective

DOCUMENT = {
    "fields": {
        "fee": {"type": "money", "label": "收费金额"},
        "kind": {"type": "code", "label": "类别", "code_list": "kinds"},
        "owned": {"type": "boolean", "label": "自有"},
        "plan": {"type": "attachment", "label": "平面图"},
        "rules": {"type": "attachments", "label": "管理制度"},
        "name": {"type": "text", "label": "名称"},
    },
    "code_lists": {"kinds": {"values": [{"code": "a", "label": "甲类"}]}},
    "forms": {"apply": {"sections": [{"fields": ["name", "fee", "kind"]}]}},
}
PLAN = uuid.UUID(int=7)
RULES = uuid.UUID(int=8)


def test_rows_follow_the_form_with_labels_yuan_and_code_labels() -> None:
    data = {"fee": 123456, "kind": "a", "owned": False, "name": "张记", "extra": "x"}
    assert form_rows(DOCUMENT, data) == [
        Row("名称", "张记"),
        Row("收费金额", "1234.56 元"),
        Row("类别", "甲类"),
        Row("自有", "否"),
        Row("extra", "x"),
    ]


def test_materials_are_opened_through_the_download_route_and_previewed_from_the_console() -> None:
    data = {
        "plan": {
            "key": f"t/3/attachments/{PLAN.hex}",
            "name": "图.png",
            "content_type": "image/png",
        },
        "rules": [
            {
                "key": f"t/3/attachments/{RULES.hex}",
                "name": "制度.pdf",
                "content_type": "application/pdf",
            },
            {"key": "not-an-id", "name": "x"},
        ],
    }
    other = str(uuid.UUID(int=9))
    found = materials(
        "620102", DOCUMENT, data, [other, str(PLAN)], unnamed="材料 {id}", number="N-1"
    )
    api, console = "/api/v1/t/620102/attachments", "/console/t/620102/cases/N-1/materials"
    assert found == [
        Material(
            PLAN, "平面图", "图.png", f"{api}/{PLAN}/download", "image", f"{console}/{PLAN}/preview"
        ),
        Material(
            RULES,
            "管理制度",
            "制度.pdf",
            f"{api}/{RULES}/download",
            "pdf",
            f"{console}/{RULES}/preview",
        ),
        Material(
            uuid.UUID(other),
            "材料 00000000",
            "材料 00000000",
            f"{api}/{other}/download",
            "link",
            f"{console}/{other}/preview",
        ),
    ]


def test_time_left_counts_working_days_on_the_calendar() -> None:
    calendar = WorkingCalendar.from_days([])
    monday, friday = date(2026, 3, 2), date(2026, 3, 6)
    assert time_left(monday, friday, None, calendar) == "剩余 4 个工作日"
    assert time_left(date(2026, 3, 9), friday, None, calendar) == "已超期 1 个工作日"
    assert time_left(friday, friday, None, calendar) == "今日到期"
    assert time_left(monday, None, 3, None) == "计时暂停（剩余 3 个工作日）"
    assert time_left(monday, None, None, None) == "不计时"


def test_a_posted_form_becomes_the_api_s_action() -> None:
    assert action_of({"action": "request_supplement", "missing": "营业执照\n\n 平面图 "}) == {
        "action": "request_supplement",
        "missing": ["营业执照", "平面图"],
        "comment": "",
    }
    assert action_of({"action": "decide", "task": "decide", "outcome": "refused"}) == {
        "action": "decide",
        "task": "decide",
        "outcome": "refused",
        "legal_basis": "",
        "reasons": "",
    }
    assert action_of(
        {"action": "return", "task": "decide", "to": "review", "return_reason": "补查"}
    ) == {
        "action": "return",
        "task": "decide",
        "to": "review",
        "comment": "补查",
    }
    assert action_of({"action": "delegate", "task": "review", "to": "account:7"}) == {
        "action": "delegate",
        "task": "review",
        "to": "account:7",
        "comment": "",
    }
    assert action_of({"action": "transfer", "department": "wjw"}) == {
        "action": "transfer",
        "task": None,
        "department": "wjw",
        "comment": "",
    }
    assert action_of({"action": "withdraw"}) is None


def test_inbox_pages_and_inbox_names() -> None:
    assert [page_number(v) for v in (None, "", "1", "20")] == [1, 1, 1, 20]
    assert [page_number(v) for v in ("0", "-1", "x", "1001", "9" * 7)] == [None] * 5
    model = effective(CHENGGUAN)
    names = inbox_names(model)
    # built once per model version: the next request's look-up is the same object
    assert inbox_names(model) is names
    assert names.forms["food_business_license"] == "食品经营许可申请表"
    # a step is named by its own route: `review` is 审查 on one route, 材料审查 on another
    assert names.step("application", "standard", "review", "review") == "审查"
    assert names.step("food_business_license", "licensing", "review", "review") == "材料审查"
    assert names.step("food_business_license", "licensing", "site_check", "inspect") == "现场核查"
    # the filter offers each key once, with every label it carries
    assert "审查" in names.choices["review"] and "材料审查" in names.choices["review"]


def test_the_menu_is_one_list_with_the_current_entry_marked() -> None:
    keys = [link.key for link in NAVIGATION]
    assert keys == ["inbox", "lists", "supervision", "model", "admin"]
    assert nav_for("620102", "inbox", lambda _obj, _action: True) == [
        ("待办", "/console/t/620102/inbox", True),
        ("清单", "/console/t/620102/lists", False),
        ("指标", "/console/t/620102/supervision", False),
        ("模型", "/console/t/620102/model", False),
        ("管理", "/console/t/620102/admin/tenants", False),
    ]


def test_materials_are_previewed_by_their_verified_type_whatever_the_data_claims() -> None:
    data = {
        "plan": {
            "key": f"t/3/attachments/{PLAN.hex}",
            "name": "图.png",
            "content_type": "image/png",
        }
    }
    other = uuid.UUID(int=9)
    found = materials("620102", DOCUMENT, data, [str(other)], unnamed="材料 {id}", number="N-1")
    shown = as_verified(
        found,
        {PLAN: ("图.png", "application/pdf"), other: ("意见.pdf", "application/pdf")},
        "材料 {id}",
    )
    assert [(m.name, m.preview) for m in shown] == [("图.png", "pdf"), ("意见.pdf", "pdf")]
    # a file not (or no longer) verified is only a link
    assert [m.preview for m in as_verified(found, {}, "材料 {id}")] == ["link", "link"]
