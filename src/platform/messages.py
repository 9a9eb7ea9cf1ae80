"""The one message catalogue: every user-facing text, keyed by a stable code.

Codes are dotted (`area.failure`) and never change once released; clients may
switch on them. Templates use `str.format` fields. Only Simplified Chinese ships
today; a second language is a second dict with the same keys.
"""

from __future__ import annotations

from typing import Final

DEFAULT_LOCALE: Final = "zh-CN"

ZH_CN: Final[dict[str, str]] = {
    # generic
    "request.invalid": "请求格式不正确：{detail}",
    "request.body_not_json": "请求体不是合法的 JSON。",
    "request.too_large": "请求内容过大。",
    "request.field_required": "缺少必填项。",
    "request.field_invalid": "取值不符合要求：{detail}",
    "not_found": "您访问的资源不存在。",
    "method_not_allowed": "不支持该请求方法。",
    "internal": "系统内部错误，请稍后重试。如问题持续，请联系管理员并提供请求编号 {request_id}。",
    "conflict": "数据已被修改，请刷新后重试。",
    # auth
    "auth.required": "请先登录。",
    "auth.forbidden": "您没有执行此操作的权限。",
    # services
    "service.database_unavailable": "数据库暂时不可用，请稍后重试。",
    "service.storage_unavailable": "文件存储服务暂时不可用，上传未完成，请稍后重试。",
    "service.cache_unavailable": "缓存服务不可用。",
    # storage
    "storage.object_not_found": "文件不存在：{key}",
    "storage.key_invalid": "文件键名不合法：{key}",
    # tenants
    "tenant.not_found": "未找到该地区站点（区划代码 {code}）。",
    "tenant.suspended": "{name}站点暂停服务，请稍后访问或联系当地政务服务中心。",
    "tenant.archived": "{name}站点已归档，不再提供服务。",
    "tenant.host_invalid": "请求的主机名不合法。",
    "tenant.code_invalid": "区划代码必须是 6 位数字：{code}",
    "tenant.status_transition": "地区“{name}”当前状态为“{status}”，不能执行“{action}”。",
    "tenant.context_missing": "未设置租户上下文，拒绝访问租户数据。",
    "divisions.not_utf8": "区划文件不是 UTF-8 编码（第 {line} 行附近）。",
    "divisions.header": "区划文件表头应为 {expected}，实际为 {actual}。",
    "divisions.columns": "第 {line} 行：应有 {expected} 列，实际 {actual} 列。",
    "divisions.code_format": "第 {line} 行：区划代码“{code}”不是 6 位数字。",
    "divisions.duplicate_code": "第 {line} 行：区划代码 {code} 重复（首次出现在第 {first_line} 行）。",
    "divisions.level_unknown": "第 {line} 行：层级“{level}”无效，应为 province、prefecture、county 或 zone。",
    "divisions.name_empty": "第 {line} 行：名称不能为空。",
    "divisions.parent_unknown": "第 {line} 行：上级区划 {parent} 不存在。",
    "divisions.root": "区划文件必须恰好有一个省级根节点（无上级），实际 {count} 个。",
    "divisions.root_level": "第 {line} 行：无上级的区划必须是 province 层级。",
    "divisions.cycle": "第 {line} 行：区划 {code} 的上级关系构成环。",
    "divisions.level_order": "第 {line} 行：{level} 层级不能直属于 {parent_level} 层级的 {parent}。",
    "divisions.empty": "区划文件没有任何数据行。",
    "divisions.conflict": "第 {line} 行：区划 {code} 已存在且与文件不一致（{detail}）。",
    "template.not_found": "找不到租户模板“{name}”。",
    "template.invalid": "租户模板“{name}”不合法：{detail}",
    "calendar.date_invalid": "第 {line} 行：日期“{value}”格式不正确，应为 YYYY-MM-DD。",
    "calendar.kind_invalid": "第 {line} 行：类型“{value}”无效，应为 holiday 或 workday。",
    "calendar.duplicate": "第 {line} 行：日期 {value} 重复。",
    "calendar.weekday_workday": "第 {line} 行：{value} 本来就是工作日，不能设为调休上班。",
    "calendar.not_province": "工作日历由省级租户维护，{code} 不是省级租户。",
    # audit
    "audit.chain_broken": "审计记录 {seq} 的哈希链断裂：{detail}",
    # --- identity and policy (accounts, sessions, roles, Casbin) ---
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
    "policy.catalogue_invalid": "角色目录不正确：{detail}",
    "policy.role_unknown": "角色“{role}”不存在。",
    "policy.object_unknown": "权限对象“{object}”不存在。",
    "policy.action_unknown": "操作“{action}”不存在。",
    "policy.role_not_grantable": "角色“{role}”由账户类型决定，不能授予。",
    "policy.role_level": "角色“{role}”不能在{level}授予。",
    "policy.grant_forbidden": "您无权在“{tenant}”授予角色。",
    "policy.grant_above_own": "不能授予高于本人级别的角色“{role}”。",
    "policy.grant_outside_subtree": "不能在本人管辖范围以外授予角色（{tenant}）。",
    "policy.grant_self": "不能给自己授予或撤销角色。",
    "policy.grant_exists": "该用户已在“{tenant}”拥有角色“{role}”。",
    "policy.grant_not_found": "该用户在“{tenant}”没有角色“{role}”。",
    "policy.duties_conflict": "角色“{role}”与该用户已有的角色“{other}”职责冲突（三员分立）。",
    "policy.grantee_kind": "角色“{role}”只能授予工作人员账户。",
    "policy.override_forbidden": "您无权在“{tenant}”设置禁止规则。",
    "policy.not_ready": "权限服务尚未就绪，请稍后重试。",
    "policy.route_undeclared": "路由 {path} 未声明权限对象和操作。",
    # --- end identity and policy ---
    # --- metadata (meta-schemas, overlays, versions) ---
    # --- end metadata ---
}

CATALOGUES: Final[dict[str, dict[str, str]]] = {"zh-CN": ZH_CN}
