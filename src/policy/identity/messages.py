"""Messages of identity: accounts, credentials, sign-in, sessions."""

from __future__ import annotations

from typing import Final

from yiwang.platform.messages import DEFAULT_LOCALE, register

ZH_CN: Final[dict[str, str]] = {
    "identity.id_number_invalid": "居民身份证号码不正确。",
    "identity.id_number_format": "居民身份证号码应为 18 位：前 17 位为数字，最后一位为数字或 X。",
    "identity.id_number_birth_date": "居民身份证号码中的出生日期不正确。",
    "identity.id_number_check_digit": "居民身份证号码校验位不正确，请核对后重新输入。",
    "identity.credit_code_invalid": "统一社会信用代码不正确。",
    "identity.credit_code_format": "统一社会信用代码应为 18 位。",
    "identity.credit_code_charset": "统一社会信用代码只能包含数字和大写字母（不含 I、O、Z、S、V）。",
    "identity.credit_code_division": "统一社会信用代码第 3 至 8 位应为登记管理机关的行政区划代码。",
    "identity.credit_code_check_char": "统一社会信用代码校验位不正确，请核对后重新输入。",
    "identity.phone_invalid": "手机号码不正确，应为 11 位中国大陆手机号码。",
    "identity.password_invalid": "密码不符合安全要求。",
    "identity.password_too_short": "密码长度至少为 {min} 位。",
    "identity.password_too_long": "密码长度不能超过 {max} 个字符。",
    "identity.password_classes": "密码须包含大写字母、小写字母、数字、特殊字符中的至少 {min} 类。",
    "identity.password_common": "该密码过于常见或出现在泄露密码库中，请换一个。",
    "identity.password_contains_login": "密码不能包含登录名。",
    "identity.login_failed": (
        "登录失败：登录名或密码错误，或账户因连续多次失败已被临时锁定。"
        "如已锁定，请 {minutes} 分钟后再试。"
    ),
    "identity.login_kind_invalid": "账户类型“{kind}”无效，应为 staff、citizen 或 legal。",
    "identity.second_factor_required": "管理人员和工作人员登录须输入动态口令（TOTP）。",
    "identity.totp_invalid": "动态口令不正确或已过期。",
    "identity.totp_reused": "该动态口令已使用过，请等待下一个口令。",
    "identity.totp_not_enrolled": "该账户尚未绑定动态口令。",
    "identity.sms_code_invalid": "短信验证码不正确或已过期，请重新获取。",
    "identity.sms_login_text": "【一网】您的登录验证码为 {code}，{minutes} 分钟内有效。请勿告诉他人。",
    "identity.rate_limited": "操作过于频繁，请 {retry_after} 秒后再试。",
    "identity.security_unavailable": (
        "安全校验服务暂时不可用，为保护账户安全，本次操作已被拒绝，请稍后重试。"
    ),
    "identity.session_expired": "登录已超时，请重新登录。",
    "identity.realname_check_digit_only": (
        "开发环境实名核验：仅校验了身份证号码的校验位，未核对姓名与身份信息。"
    ),
    "identity.realname_failed": "实名核验未通过：{reason}",
    "identity.field_key_invalid": "字段加密密钥配置不正确：{detail}",
    "identity.ciphertext_invalid": "加密数据无法解密（密钥不匹配或数据已损坏）。",
    "identity.account_not_found": "未找到登录名为“{login}”的账户。",
    "identity.login_taken": "登录名“{login}”已被使用。",
    "identity.department_unknown": "地区 {code} 没有键为“{department}”的部门。",
    "identity.tenant_required": "工作人员账户必须指定所属地区（--tenant）。",
}

register("policy.identity", DEFAULT_LOCALE, ZH_CN)
