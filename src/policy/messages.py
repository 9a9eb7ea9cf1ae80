"""Messages of the policy rules: roles, grants, denies, explain."""

from __future__ import annotations

from typing import Final

from yiwang.platform.messages import DEFAULT_LOCALE, register

ZH_CN: Final[dict[str, str]] = {
    "policy.catalogue_invalid": "角色目录不正确：{detail}",
    "policy.role_unknown": "角色“{role}”不存在。",
    "policy.name_unsafe": "名称或登录名含控制字符或不可见字符（{char}），不能使用。",
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
    "policy.grantee_outranks": (
        "该用户在“{tenant}”拥有与您同级或更高级别的角色：同级人员之间不能授予或撤销角色。"
    ),
    "policy.target_outranks": "该账户的持有人拥有与您同级或更高级别的角色，您不能更改其账户。",
    "policy.duty_needs_activation": (
        "角色“{role}”属于三员分立的职责，只能授予已由本人激活（自行设置密码和动态口令）的账户。"
    ),
    "policy.duty_factor_holder": (
        "您持有过该账户的激活码，不能为其授予三员分立的角色“{role}”：须由其他管理员授予。"
    ),
}

register("policy", DEFAULT_LOCALE, ZH_CN)
