from __future__ import annotations

from typing import Any

import pytest
import yaml

from tests.unit.policy.tree import TEMPLATES, gansu
from yiwang.platform.errors import InvalidInput
from yiwang.policy.catalogue import load_catalogue, parse_catalogue
from yiwang.policy.domains import ROOT, ancestors_or_self, in_subtree, is_tenant_path, parent_path

ISSUE_ROLES = {
    "province_admin": "省级管理员",
    "province_supervisor": "省级监督员",
    "prefecture_operator": "市州运营员",
    "county_operator": "县区运营员",
    "window_clerk": "窗口受理员",
    "dept_reviewer": "部门审核员",
    "dept_leader": "部门负责人",
    "auditor": "审计员",
    "system_admin": "系统管理员",
    "security_admin": "安全管理员",
    "audit_admin": "审计管理员",
    "citizen": "公民",
    "legal_person": "法人",
}
#: the roles the base model's approval routes name (issue 8, finding 1)
ROUTE_ROLES = {
    "dept_operator": "部门经办人",
    "establishment_reviewer": "编办审核员",
    "expert": "评审专家",
    "finance_reviewer": "财政审核员",
    "government_leader": "政府领导",
    "inspector": "现场核查员",
    "service_reviewer": "政务服务审核员",
    "supervisor": "监察员",
}


def raw() -> dict[str, Any]:
    data = yaml.safe_load((TEMPLATES / "roles.yaml").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def test_catalogue_has_every_role_of_the_issue_with_its_name() -> None:
    cat = load_catalogue(TEMPLATES)
    assert {k: r.name for k, r in cat.roles.items()} == ISSUE_ROLES | ROUTE_ROLES
    assert {"tenant", "metadata", "record", "case", "role", "audit"} <= set(cat.objects)
    assert {"read", "write", "publish", "onboard", "grant", "handle"} <= set(cat.actions)


def test_templates_are_written_once_at_the_root_and_stay_near_a_hundred() -> None:
    rules = load_catalogue(TEMPLATES).template_rules()
    assert all(r.domain == ROOT for r in rules)
    assert 80 <= len(rules) <= 130, len(rules)
    assert len(set(rules)) == len(rules)


def test_citizen_roles_are_implicit_not_grantable() -> None:
    cat = load_catalogue(TEMPLATES)
    assert cat.role_for_kind("citizen") == cat.roles["citizen"]
    assert cat.role_for_kind("legal") == cat.roles["legal_person"]
    assert not cat.roles["citizen"].grantable
    assert cat.role_for_kind("staff") is None


def test_the_separated_duties_are_the_three_admin_roles() -> None:
    cat = load_catalogue(TEMPLATES)
    assert cat.separated_duties == {"system_admin", "security_admin", "audit_admin"}
    broken = raw()
    broken["separated_duties"] = ["citizen"]
    with pytest.raises(InvalidInput) as info:
        parse_catalogue(broken)
    assert info.value.code == "policy.catalogue_invalid"


def test_route_roles_act_on_their_tenants_work_and_nothing_else() -> None:
    """Least privilege for the roles routes name: no administration, no metadata work."""
    cat = load_catalogue(TEMPLATES)
    for key in ROUTE_ROLES:
        role = cat.roles[key]
        assert set(role.permissions) <= {"metadata", "record", "case"}, key
        assert role.permissions["metadata"] == ("read",), key
        assert not role.admin and role.rank < cat.roles["county_operator"].rank, key


def test_citizens_hold_no_metadata_permission() -> None:
    cat = load_catalogue(TEMPLATES)
    for key in ("citizen", "legal_person"):
        assert "metadata" not in cat.roles[key].permissions
        assert dict(cat.roles[key].permissions) == {
            "case": ("read", "write"),
            "attachment": ("read", "write"),
        }


def test_only_the_province_holds_the_tenant_lifecycle() -> None:
    cat = load_catalogue(TEMPLATES)
    holders = {k for k, r in cat.roles.items() if r.allows("tenant", "write")}
    assert holders == {"province_admin", "system_admin"}
    assert all(cat.roles[k].levels == ("province",) for k in holders)


def test_three_admin_duties_conflict_pairwise() -> None:
    cat = load_catalogue(TEMPLATES)
    for a, b in [
        ("system_admin", "security_admin"),
        ("system_admin", "audit_admin"),
        ("security_admin", "audit_admin"),
    ]:
        assert cat.conflicting(a, [b]) == b
        assert cat.conflicting(b, [a]) == a
    assert cat.conflicting("window_clerk", ["dept_reviewer", "auditor"]) is None


def test_unknown_role_error_has_a_stable_code() -> None:
    with pytest.raises(InvalidInput) as info:
        load_catalogue(TEMPLATES).role("overlord")
    assert info.value.code == "policy.role_unknown"
    assert "overlord" in info.value.message()


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("roles", "auditor", "permissions", "audit"), ["read", "peek"]),
        (("roles", "auditor", "permissions"), {"vault": ["read"]}),
        (("roles", "auditor", "levels"), ["township"]),
        (("roles", "auditor", "rank"), 101),
        (("roles", "auditor", "name"), ""),
        (("roles", "auditor", "colour"), "red"),
        (("denies",), [{"role": "nobody", "object": "audit", "actions": ["read"]}]),
        (("conflicts",), [["auditor"]]),
        (("version",), 2),
        (("objects", "Bad-Key"), "坏"),
    ],
)
def test_catalogue_mistakes_are_refused(path: tuple[str, ...], value: Any) -> None:
    data = raw()
    target = data
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    with pytest.raises(InvalidInput) as info:
        parse_catalogue(data)
    assert info.value.code == "policy.catalogue_invalid"


@pytest.mark.parametrize(
    ("dom", "node", "inside"),
    [
        ("/620000/620100/620102", "/620000/620100", True),
        ("/620000/620100", "/620000/620100", True),
        ("/620000/620100", "/620000/620100/620102", False),
        ("/620000/620200", "/620000/620100", False),
        ("/620000/6201001", "/620000/620100", False),  # a prefix of the string, not the path
        ("/620000/620100", "/", True),
        ("/640000", "/", True),
    ],
)
def test_in_subtree(dom: str, node: str, inside: bool) -> None:
    assert in_subtree(dom, node) is inside


def test_path_helpers() -> None:
    assert ancestors_or_self("/620000/620100/620102") == [
        "/",
        "/620000",
        "/620000/620100",
        "/620000/620100/620102",
    ]
    assert parent_path("/620000/620100") == "/620000"
    assert parent_path("/620000") == ROOT
    assert parent_path("/") is None
    assert (
        is_tenant_path("/620000/620100") and not is_tenant_path("/") and not is_tenant_path("/62")
    )


def test_gansu_tree_has_103_tenants() -> None:
    tree = gansu()
    assert len(tree) == 103
    assert tree.node("620102").path == "/620000/620100/620102"
