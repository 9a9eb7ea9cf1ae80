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
        "登录失败：登录名、密码或动态口令不正确，或账户因连续多次失败已被临时锁定。"
        "工作人员输入正确的密码和动态口令即可解锁；其他账户请 {minutes} 分钟后再试。"
    ),
    "identity.login_malformed": "登录名格式不正确（为空、过长或含有控制字符）。",
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
    "identity.name_invalid": "名称不能为空，不能超过 {max} 个字符，也不能包含控制字符。",
    "identity.id_number_taken": (
        "该居民身份证号码已由另一账户完成实名核验：一个身份证号码只属于一个人。"
        "如有疑问，请持身份证到政务服务中心办理。"
    ),
    "identity.provider_unavailable": "无法加载 {setting} 指定的服务（{spec}）：{detail}",
    "identity.development_provider": (
        "未配置 {setting}：开发用服务不能在“{env}”环境中运行"
        "（开发短信网关把验证码和手机号明文写入文件，开发实名核验只校验身份证校验位）。"
        "请配置正式服务。"
    ),
    "identity.session_ended": "该账户的登录会话已结束（账户被停用或重置，或更换了密码、动态口令），请重新登录。",
    "identity.password_expired": "密码已超过有效期，请先修改密码（POST /api/v1/me/password）。",
    "identity.password_reused": "新密码不能与当前密码或最近 {count} 次用过的密码相同。",
    "identity.reauthentication_failed": "当前密码或动态口令不正确。",
    "identity.activation_failed": (
        "激活失败：登录名、激活码、密码或动态口令不正确，或激活码已过期、已使用。"
        "激活码过期请联系管理员重新获取。"
    ),
    "identity.activation_not_applicable": "公民账户不需要激活：本人以手机号码和短信验证码登录即可。",
    "identity.totp_not_applicable": "只有工作人员账户使用动态口令。",
    "identity.already_activated": "账户“{login}”已由本人激活；如本人遗失密码或动态口令，请由两名管理员办理重置。",
    "identity.reset_self": "不能重置自己的账户。",
    "identity.reset_pending": "账户“{login}”已有一份待批准的重置申请。",
    "identity.reset_closed": "该重置申请已批准、已撤销或已过期。",
    "identity.reset_same_admin": "重置须由另一名管理员批准：申请人不能批准自己的申请。",
    "identity.reset_not_found": "未找到该重置申请。",
    "identity.citizen_self_service": "公民账户由本人以手机号码和短信验证码首次登录时创建，不能由管理员创建。",
    "identity.change_self": "不能停用或启用自己的账户。",
    "identity.status_unchanged": "账户“{login}”已是“{status}”状态。",
    # 经办人
    "identity.agents.enterprise_only": "只有企业（法人）账户本身才能指定或撤销经办人；经办人代企业办理时不能。",
    "identity.agents.citizen_only": "只有以手机号码登录的个人账户才能代企业办理。",
    "identity.agents.unknown_person": "没有使用该手机号码的个人账户：请对方先在本网站以手机号码登录一次。",
    "identity.agents.not_verified": "该个人账户尚未通过实名认证，不能成为经办人：请对方先完成实名认证。",
    "identity.agents.not_named": "您不是该企业的经办人，或该企业账户已停用。",
    "identity.agents.unknown_agent": "该账户不是本企业的经办人。",
    "identity.agents.acting_as": "{enterprise}（经办人 {agent}）",
}

register("policy.identity", DEFAULT_LOCALE, ZH_CN)
