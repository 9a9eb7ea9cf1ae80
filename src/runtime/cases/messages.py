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
    "cases.page.site": "一网通办 · 政务服务网",
    "cases.page.title": "电子证照核验",
    "cases.page.identifier": "证照标识",
    "cases.page.check": "核验",
    "cases.page.unknown": "未找到该电子证照：标识有误，或该证照并非本平台签发。",
    "cases.page.verdict.valid": "有效",
    "cases.page.verdict.revoked": "已注销",
    "cases.page.verdict.expired": "已过期",
    "cases.page.verdict.not_yet_valid": "尚未生效",
    "cases.page.verdict.signature_invalid": "签名无效",
    "cases.page.verdict.unknown_key": "签名密钥未知",
    "cases.page.verdict.identifier_invalid": "证照标识无效",
    "cases.page.verdict.unknown": "未找到",
    "cases.page.license_name": "证照名称",
    "cases.page.license_number": "证照编号",
    "cases.page.holder": "持证主体",
    "cases.page.issuer": "发证机关",
    "cases.page.issue_date": "发证日期",
    "cases.page.validity": "有效期",
    "cases.page.no_end": "长期",
    "cases.page.revoked_reason": "注销原因",
    "cases.page.revoked_at": "注销时间",
    "cases.page.offline": "本页用发证机关公布的公钥离线核验电子签名，无需登录。",
    "cases.page.footer": "一网（Yiwang）政务服务平台",
    "cases.colour.green": "正常",
    "cases.colour.yellow": "黄灯预警",
    "cases.colour.red": "红灯超期",
}

register("runtime.cases", DEFAULT_LOCALE, ZH_CN)
