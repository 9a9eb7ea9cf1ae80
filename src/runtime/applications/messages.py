"""Messages of the applications room (Simplified Chinese)."""

from __future__ import annotations

from typing import Final

from yiwang.platform.messages import DEFAULT_LOCALE, register

ZH_CN: Final[dict[str, str]] = {
    "applications.submitted": "申请已提交",
    "applications.submitted_detail": "办件编号 {number}。请凭此编号查询办理进度。",
    "applications.route_missing": "事项“{name}”未指定审批流程，暂不能申请。",
    "applications.sign_in": "请先登录后再提交申请。",
    "applications.envelope_section": "申请人与送达",
    "applications.feedback.not_ended": "办件办结后才能评价。",
    "applications.feedback.rated_twice": "办件 {number} 已经评价过，每个办件只能评价一次。",
    "applications.save_draft": "保存草稿",
    "applications.draft_saved": "草稿已保存。下次打开此页面时将自动恢复。",
    "applications.draft_resumed": "已恢复您保存的草稿，请核对后提交。",
    "applications.draft_too_large": "草稿内容过多（超过 {max} KB），无法保存。",
}

register("runtime.applications", DEFAULT_LOCALE, ZH_CN)
