"""Messages of the cases room (Simplified Chinese)."""

from __future__ import annotations

from typing import Final

from yiwang.platform.messages import DEFAULT_LOCALE, register

ZH_CN: Final[dict[str, str]] = {
    "cases.not_found": "未找到办件 {number}。",
    "cases.already_submitted": "该申请（记录 {record}）已提交为办件 {number}，请勿重复提交。",
    "cases.concurrent_update": "办件 {number} 刚被他人处理，请刷新后重试。",
    "cases.route_unknown": "事项表单“{form}”没有审批流程“{route}”。",
    "cases.form_unknown": "未找到业务表单“{form}”。",
    "cases.implementing_code_invalid": "实施编码“{code}”不合法：应为 1 到 32 位数字或大写字母。",
    "cases.applicant_only": "只有申请人本人可以执行此操作。",
    "cases.not_yours": "只能查看本人提交的办件。",
    "cases.action_invalid": "操作内容不合法：{detail}",
    "cases.no_certificate_template": "业务表单“{form}”没有证照模板，不能签发电子证照。",
    "cases.certificate_not_found": "未找到电子证照 {identifier}。",
    "cases.certificate_revoked": "电子证照 {identifier} 已于 {at} 注销。",
    "cases.issuer_missing": "办件缺少实施主体名称或统一社会信用代码，不能签发电子证照。",
    "cases.reason_required": "请填写理由。",
    "cases.gateway_in_production": "开发用{kind}通道（写入文件）不能在生产环境启用，请配置正式通道。",
    "cases.colour.green": "正常",
    "cases.colour.yellow": "黄灯预警",
    "cases.colour.red": "红灯超期",
}

register("runtime.cases", DEFAULT_LOCALE, ZH_CN)
