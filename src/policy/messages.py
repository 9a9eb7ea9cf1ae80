"""Messages of the policy rules: roles, grants, denies, explain."""

from __future__ import annotations

from typing import Final

from yiwang.platform.messages import DEFAULT_LOCALE, register

ZH_CN: Final[dict[str, str]] = {
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
}

register("policy", DEFAULT_LOCALE, ZH_CN)
