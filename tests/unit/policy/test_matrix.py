"""Role x level x action x target tenant: every allow and every deny.

For each role granted at a province, a prefecture and a county node (for the
node only, and for its subtree), every object/action pair of the catalogue is
asked at five targets: the node itself, a child, a sibling, the parent and a
county of another prefecture. The expected answer is computed from the YAML
file directly (its permission lists and root denies) and the grant's reach,
not from the Casbin rows, and the whole table is compared at once so a
failure lists every wrong cell.
"""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from tests.unit.policy.tree import TEMPLATES, gansu
from yiwang.policy.catalogue import load_catalogue
from yiwang.policy.enforcer import Grant, PolicyEngine, catalogue_snapshot, user_subject

CATALOGUE = load_catalogue(TEMPLATES)
RAW: dict[str, Any] = yaml.safe_load((TEMPLATES / "roles.yaml").read_text(encoding="utf-8"))
TREE = gansu()

# Grant nodes per level, and the five relations to a target tenant.
GRANT_AT = {"province": "620000", "prefecture": "620100", "county": "620102"}
TARGETS: dict[str, dict[str, str | None]] = {
    "province": {
        "own": "620000",
        "child": "620100",
        "sibling": None,
        "parent": None,
        "other_prefecture_county": "620302",
    },
    "prefecture": {
        "own": "620100",
        "child": "620102",
        "sibling": "620200",
        "parent": "620000",
        "other_prefecture_county": "620302",
    },
    "county": {
        "own": "620102",
        "child": None,
        "sibling": "620103",
        "parent": "620100",
        "other_prefecture_county": "620302",
    },
}
SUBJECT = user_subject(1)


def expected(role: str, obj: str, action: str, relation: str, level: str, subtree: bool) -> bool:
    allowed = action in RAW["roles"][role]["permissions"].get(obj, [])
    denied = any(
        d["role"] == role and d["object"] == obj and action in d["actions"]
        for d in RAW.get("denies", [])
    )
    if relation == "own":
        reached = True
    elif relation == "child":
        reached = subtree
    elif relation == "other_prefecture_county":
        reached = subtree and level == "province"
    else:  # sibling, parent
        reached = False
    return allowed and not denied and reached


CASES = [
    (role, level, subtree)
    for role in RAW["roles"]
    for level in GRANT_AT
    for subtree in (True, False)
]


@pytest.mark.parametrize(("role", "level", "subtree"), CASES)
def test_every_cell(role: str, level: str, subtree: bool) -> None:
    node = TREE.node(GRANT_AT[level]).path
    engine = PolicyEngine(
        catalogue_snapshot(CATALOGUE, version=1, grants=[Grant(SUBJECT, role, node, subtree)])
    )
    wrong = []
    cells = 0
    for relation, code in TARGETS[level].items():
        if code is None:
            continue
        target = TREE.node(code).path
        for obj in RAW["objects"]:
            for action in RAW["actions"]:
                want = expected(role, obj, action, relation, level, subtree)
                got = engine.allowed(SUBJECT, target, obj, action)
                cells += 1
                if got != want:
                    wrong.append(f"{relation} {target} {obj}:{action} got={got} want={want}")
    assert cells >= 3 * len(RAW["objects"]) * len(RAW["actions"])
    assert not wrong, "\n".join(wrong)


def test_the_matrix_is_not_vacuous() -> None:
    """Each role is allowed something and refused something somewhere."""
    for role in RAW["roles"]:
        assert any(RAW["roles"][role]["permissions"].values()), role
    total_allow = sum(
        expected(r, o, a, "own", "county", True)
        for r in RAW["roles"]
        for o in RAW["objects"]
        for a in RAW["actions"]
    )
    assert total_allow > 50


# A second, hand-written oracle for the rules people ask about most.
SPOT_CHECKS = [
    # (role, grant node code, subtree, target code, object, action, allowed)
    ("county_operator", "620100", True, "620102", "metadata", "publish", True),
    ("county_operator", "620100", True, "620100", "metadata", "publish", True),
    ("county_operator", "620100", True, "620000", "metadata", "publish", False),
    ("county_operator", "620100", True, "620201", "metadata", "publish", False),
    ("county_operator", "620100", False, "620102", "metadata", "publish", False),
    ("province_admin", "620000", True, "620302", "tenant", "onboard", True),
    ("province_admin", "620000", True, "620302", "audit", "read", False),
    ("system_admin", "620000", True, "620000", "audit", "read", False),
    ("system_admin", "620000", True, "620000", "audit", "delete", False),
    ("system_admin", "620000", True, "620000", "user", "write", False),
    ("security_admin", "620000", True, "620102", "user", "write", True),
    ("security_admin", "620000", True, "620102", "audit", "read", False),
    ("audit_admin", "620000", True, "620000", "audit", "read", True),
    ("audit_admin", "620000", True, "620000", "user", "write", False),
    ("audit_admin", "620000", True, "620000", "role", "grant", False),
    ("auditor", "620100", True, "620102", "audit", "read", True),
    ("auditor", "620100", True, "620102", "case", "read", False),
    ("window_clerk", "620102", False, "620102", "case", "handle", True),
    ("window_clerk", "620102", False, "620102", "metadata", "publish", False),
    ("province_supervisor", "620000", True, "620302", "case", "supervise", True),
    ("province_supervisor", "620000", True, "620302", "case", "handle", False),
    # least privilege (issue 8, finding 1): drafts and history are operators'
    ("county_operator", "620102", False, "620102", "metadata", "inspect", True),
    ("window_clerk", "620102", False, "620102", "metadata", "read", True),
    ("window_clerk", "620102", False, "620102", "metadata", "inspect", False),
    ("dept_leader", "620102", False, "620102", "metadata", "inspect", False),
    ("province_supervisor", "620000", True, "620302", "metadata", "inspect", False),
    ("system_admin", "620000", True, "620102", "metadata", "read", False),
    ("system_admin", "620000", True, "620102", "webhook", "write", True),
    ("system_admin", "620000", False, "620102", "webhook", "write", False),
    ("prefecture_operator", "620100", True, "620102", "webhook", "write", False),
    ("province_admin", "620000", True, "620102", "webhook", "read", False),
    ("security_admin", "620000", True, "620102", "webhook", "write", False),
    # operators configure; cases (personal data) are for handlers and supervisors
    ("county_operator", "620102", False, "620102", "case", "read", False),
    ("province_admin", "620000", True, "620302", "case", "read", False),
    # the tenant lifecycle is the province's (finding 3)
    ("prefecture_operator", "620100", True, "620100", "tenant", "write", False),
    ("prefecture_operator", "620100", True, "620102", "tenant", "write", False),
    ("province_admin", "620000", True, "620102", "tenant", "write", True),
    # the roles routes name act on their tenant's work only
    ("dept_operator", "620102", False, "620102", "record", "write", True),
    ("dept_operator", "620102", False, "620102", "case", "handle", False),
    ("inspector", "620102", False, "620102", "case", "handle", True),
    ("inspector", "620102", False, "620102", "record", "read", False),
    ("expert", "620102", False, "620103", "case", "read", False),
    ("supervisor", "620102", False, "620102", "case", "supervise", True),
    ("government_leader", "620102", False, "620102", "user", "write", False),
]


@pytest.mark.parametrize(
    ("role", "node", "subtree", "target", "obj", "action", "allowed"), SPOT_CHECKS
)
def test_spot_checks(
    role: str, node: str, subtree: bool, target: str, obj: str, action: str, allowed: bool
) -> None:
    engine = PolicyEngine(
        catalogue_snapshot(
            CATALOGUE, version=1, grants=[Grant(SUBJECT, role, TREE.node(node).path, subtree)]
        )
    )
    assert engine.allowed(SUBJECT, TREE.node(target).path, obj, action) is allowed


def test_a_second_role_cannot_lift_a_separation_of_duties_deny() -> None:
    """Denies hold for the person: audit_admin plus security_admin still cannot write users."""
    grants = [
        Grant(SUBJECT, "audit_admin", "/620000", True),
        Grant(SUBJECT, "security_admin", "/620000", True),
    ]
    engine = PolicyEngine(catalogue_snapshot(CATALOGUE, version=1, grants=grants))
    assert not engine.allowed(SUBJECT, "/620000", "user", "write")
    assert engine.allowed(SUBJECT, "/620000", "user", "read")


def test_citizens_act_through_their_kind_everywhere_and_nothing_more() -> None:
    engine = PolicyEngine(catalogue_snapshot(CATALOGUE, version=1))
    for code in ("620000", "620102", "623026"):
        path = TREE.node(code).path
        assert engine.allowed("citizen", path, "case", "write")
        assert engine.allowed("legal_person", path, "case", "read")
        assert not engine.allowed("citizen", path, "case", "handle")
        assert not engine.allowed("citizen", path, "audit", "read")
        for action in ("read", "inspect"):
            assert not engine.allowed("citizen", path, "metadata", action)
            assert not engine.allowed("legal_person", path, "metadata", action)
    # A staff role key is never a usable subject.
    assert not engine.allowed("province_admin", "/620000", "tenant", "read")
