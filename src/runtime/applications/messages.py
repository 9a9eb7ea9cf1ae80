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
}

register("runtime.applications", DEFAULT_LOCALE, ZH_CN)
