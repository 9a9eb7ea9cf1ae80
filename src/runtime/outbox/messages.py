"""Messages of the outbox room: the notices an applicant receives (Simplified Chinese)."""

from __future__ import annotations

from typing import Final

from yiwang.platform.messages import DEFAULT_LOCALE, register

ZH_CN: Final[dict[str, str]] = {
    "outbox.gateways_missing": "未配置短信和邮件通道，无法发送办件通知。",
    "outbox.notice.submitted": "您的办件 {number} 已提交，等待受理。",
    "outbox.notice.accepted": "您的办件 {number} 已受理。",
    "outbox.notice.not_accepted": "您的办件 {number} 不予受理。理由：{reasons}",
    "outbox.notice.supplement_requested": "您的办件 {number} 需要补正材料：{missing}。请一次性补齐后重新提交。",
    "outbox.notice.resubmitted": "您的办件 {number} 已重新提交。",
    "outbox.notice.returned": "您的办件 {number} 已退回上一环节重新办理。",
    "outbox.notice.decided.approved": "您的办件 {number} 已作出准予许可的决定。",
    "outbox.notice.decided.refused": "您的办件 {number} 已作出不予许可的决定。理由：{reasons}",
    "outbox.notice.completed": "您的办件 {number} 已办结。",
    "outbox.notice.withdrawn": "您的办件 {number} 已撤回。",
    "outbox.notice.revoked": "您的办件 {number} 的决定已撤销。",
    "outbox.notice.changed": "您的办件 {number} 的决定已变更。",
    "outbox.notice.deadline.yellow": "办件 {number} 将于 {due} 到期（承诺时限），请尽快办理。",
    "outbox.notice.deadline.red": "办件 {number} 已超过承诺时限（{due}），请立即办理。",
}

register("runtime.outbox", DEFAULT_LOCALE, ZH_CN)
