"""Who may change the policy: levels, separation of duties, rank and reach."""

from __future__ import annotations

import pytest

from tests.unit.policy.tree import TEMPLATES, gansu
from yiwang.platform.errors import Conflict, InvalidInput, PermissionDenied, YiwangError
from yiwang.policy.catalogue import load_catalogue
from yiwang.policy.enforcer import Grant, PolicyEngine, catalogue_snapshot, user_subject
from yiwang.policy.grants import (
    GranteeFactors,
    check_deny_override,
    check_grant,
    check_revoke,
)

CATALOGUE = load_catalogue(TEMPLATES)
TREE = gansu()
ADMIN, PREF, COUNTY, SEC, AUD, NEW, PEER = (user_subject(i) for i in range(1, 8))
#: the grantee activated their account and nobody granting here held its codes
OWN_FACTORS = GranteeFactors(activated=True, holders=frozenset())
PROVINCE = TREE.node("620000")
LANZHOU = TREE.node("620100")
CHENGGUAN = TREE.node("620102")
JIAYUGUAN = TREE.node("620200")

ENGINE = PolicyEngine(
    catalogue_snapshot(
        CATALOGUE,
        version=1,
        grants=[
            Grant(ADMIN, "province_admin", PROVINCE.path, True),
            Grant(PREF, "prefecture_operator", LANZHOU.path, True),
            Grant(COUNTY, "county_operator", CHENGGUAN.path, False),
            Grant(SEC, "security_admin", PROVINCE.path, True),
            Grant(AUD, "audit_admin", PROVINCE.path, True),
            Grant(PEER, "county_operator", CHENGGUAN.path, False),
        ],
    )
)


def grant(
    granter: str | None,
    role: str,
    node_code: str,
    *,
    grantee: str = NEW,
    subtree: bool = False,
    kind: str = "staff",
    factors: GranteeFactors = OWN_FACTORS,
    acting: str = "cli:root",
) -> Grant:
    return check_grant(
        CATALOGUE,
        ENGINE,
        grantee=grantee,
        grantee_kind=kind,
        role_key=role,
        tenant=TREE.node(node_code),
        subtree=subtree,
        granter=granter,
        factors=factors,
        acting=acting,
    )


def refused(exc_type: type[YiwangError], code: str, **kw: object) -> YiwangError:
    with pytest.raises(exc_type) as info:
        grant(**kw)  # type: ignore[arg-type]
    assert info.value.code == code, info.value.code
    return info.value


def test_grants_within_rank_and_reach() -> None:
    assert grant(ADMIN, "prefecture_operator", "620100", subtree=True) == Grant(
        NEW, "prefecture_operator", LANZHOU.path, True
    )
    assert grant(PREF, "county_operator", "620102").node == CHENGGUAN.path
    assert grant(PREF, "window_clerk", "620100").role == "window_clerk"
    assert grant(SEC, "system_admin", "620000").role == "system_admin"


def test_command_line_grants_skip_the_granter_checks_but_not_the_rules() -> None:
    assert grant(None, "province_admin", "620000").role == "province_admin"
    refused(
        InvalidInput, "policy.role_level", granter=None, role="province_admin", node_code="620100"
    )


def test_unknown_and_implicit_roles() -> None:
    refused(InvalidInput, "policy.role_unknown", granter=None, role="overlord", node_code="620000")
    refused(
        InvalidInput, "policy.role_not_grantable", granter=None, role="citizen", node_code="620000"
    )
    refused(
        InvalidInput,
        "policy.grantee_kind",
        granter=None,
        role="window_clerk",
        node_code="620102",
        kind="citizen",
    )


def test_nobody_grants_above_their_own_rank() -> None:
    err = refused(
        PermissionDenied,
        "policy.grant_above_own",
        granter=PREF,
        role="security_admin",
        node_code="620100",
    )
    assert "安全管理员" in err.message()
    refused(
        PermissionDenied,
        "policy.grant_above_own",
        granter=SEC,
        role="province_admin",
        node_code="620000",
    )


def test_nobody_grants_outside_their_subtree() -> None:
    refused(
        PermissionDenied,
        "policy.grant_forbidden",
        granter=PREF,
        role="county_operator",
        node_code="620201",
    )
    refused(
        PermissionDenied,
        "policy.grant_forbidden",
        granter=PREF,
        role="window_clerk",
        node_code="620000",
    )
    # A node-only grant cannot hand out a subtree grant, nor reach a sibling.
    refused(
        PermissionDenied,
        "policy.grant_outside_subtree",
        granter=COUNTY,
        role="window_clerk",
        node_code="620102",
        subtree=True,
    )
    refused(
        PermissionDenied,
        "policy.grant_forbidden",
        granter=COUNTY,
        role="window_clerk",
        node_code="620103",
    )
    assert grant(COUNTY, "window_clerk", "620102").subtree is False


def test_audit_admin_cannot_manage_users_or_grant() -> None:
    refused(
        PermissionDenied, "policy.grant_forbidden", granter=AUD, role="auditor", node_code="620000"
    )


def test_nobody_grants_to_themselves() -> None:
    refused(
        PermissionDenied,
        "policy.grant_self",
        granter=ADMIN,
        role="dept_leader",
        node_code="620000",
        grantee=ADMIN,
    )


def test_three_admin_duties_are_never_held_together() -> None:
    err = refused(
        Conflict,
        "policy.duties_conflict",
        granter=None,
        role="system_admin",
        node_code="620000",
        grantee=SEC,
    )
    assert "三员分立" in err.message()
    refused(
        Conflict,
        "policy.duties_conflict",
        granter=None,
        role="security_admin",
        node_code="620000",
        grantee=AUD,
    )


def test_a_separated_duty_needs_the_persons_own_factors() -> None:
    """三员分立: before activation, whoever holds the code could act as the person."""
    pending = GranteeFactors(activated=False, holders=frozenset({"cli:root"}))
    for granter in (SEC, ADMIN, None):
        refused(
            Conflict,
            "policy.duty_needs_activation",
            granter=granter,
            role="system_admin",
            node_code="620000",
            factors=pending,
            acting="cli:other",
        )
    # A role outside the three duties may be granted before activation.
    assert grant(ADMIN, "county_operator", "620102", factors=pending).role == "county_operator"


def test_whoever_held_the_activation_code_never_grants_a_separated_duty() -> None:
    """The attack of issue 8: a security admin creates an account (holding its code),
    grants it system_admin and signs in as it. The grant is refused."""
    held_by_sec = GranteeFactors(activated=True, holders=frozenset({SEC, "sec.login"}))
    err = refused(
        PermissionDenied,
        "policy.duty_factor_holder",
        granter=SEC,
        role="system_admin",
        node_code="620000",
        factors=held_by_sec,
    )
    assert "激活码" in err.message()
    # Another administrator, who never held it, may.
    assert grant(ADMIN, "system_admin", "620000", factors=held_by_sec).role == "system_admin"
    # The command line is held to it as well, by its actor.
    held_by_cli = GranteeFactors(activated=True, holders=frozenset({"cli:root"}))
    refused(
        PermissionDenied,
        "policy.duty_factor_holder",
        granter=None,
        role="audit_admin",
        node_code="620000",
        factors=held_by_cli,
        acting="cli:root",
    )
    assert grant(None, "audit_admin", "620000", factors=held_by_cli, acting="cli:ops").role


def test_grants_and_revocations_follow_the_same_rank_rule_for_peers() -> None:
    """Issue 8, finding 13: a county operator cannot revoke a peer county operator."""
    with pytest.raises(PermissionDenied) as revoke:
        check_revoke(
            CATALOGUE,
            ENGINE,
            grantee=PEER,
            role_key="county_operator",
            tenant=CHENGGUAN,
            granter=COUNTY,
        )
    assert revoke.value.code == "policy.grantee_outranks"
    refused(
        PermissionDenied,
        "policy.grantee_outranks",
        granter=COUNTY,
        role="window_clerk",
        node_code="620102",
        grantee=PEER,
    )
    # The prefecture above them may do both.
    assert check_revoke(
        CATALOGUE, ENGINE, grantee=PEER, role_key="county_operator", tenant=CHENGGUAN, granter=PREF
    )
    assert grant(PREF, "window_clerk", "620102", grantee=PEER).role == "window_clerk"


def test_duplicate_grant_is_a_conflict() -> None:
    refused(
        Conflict,
        "policy.grant_exists",
        granter=None,
        role="prefecture_operator",
        node_code="620100",
        grantee=PREF,
        subtree=True,
    )


def test_revoke_needs_the_same_rights_as_grant() -> None:
    found = check_revoke(
        CATALOGUE,
        ENGINE,
        grantee=COUNTY,
        role_key="county_operator",
        tenant=CHENGGUAN,
        granter=PREF,
    )
    assert found == [Grant(COUNTY, "county_operator", CHENGGUAN.path, False)]
    with pytest.raises(PermissionDenied) as info:
        check_revoke(
            CATALOGUE,
            ENGINE,
            grantee=PREF,
            role_key="prefecture_operator",
            tenant=LANZHOU,
            granter=COUNTY,
        )
    assert info.value.code == "policy.grant_forbidden"
    with pytest.raises(InvalidInput) as missing:
        check_revoke(
            CATALOGUE, ENGINE, grantee=NEW, role_key="auditor", tenant=LANZHOU, granter=None
        )
    assert missing.value.code == "policy.grant_not_found"


def test_regions_add_denies_only_within_reach_and_rank() -> None:
    rule = check_deny_override(
        CATALOGUE,
        ENGINE,
        role_key="county_operator",
        obj="metadata",
        action="publish",
        tenant=CHENGGUAN,
        granter=PREF,
    )
    assert (rule.domain, rule.effect) == (CHENGGUAN.path, "deny")
    with pytest.raises(PermissionDenied) as above:
        check_deny_override(
            CATALOGUE,
            ENGINE,
            role_key="province_admin",
            obj="metadata",
            action="publish",
            tenant=LANZHOU,
            granter=PREF,
        )
    assert above.value.code == "policy.override_forbidden"
    with pytest.raises(PermissionDenied):
        check_deny_override(
            CATALOGUE,
            ENGINE,
            role_key="window_clerk",
            obj="case",
            action="handle",
            tenant=JIAYUGUAN,
            granter=PREF,
        )
    with pytest.raises(InvalidInput) as bad:
        check_deny_override(
            CATALOGUE,
            ENGINE,
            role_key="window_clerk",
            obj="vault",
            action="handle",
            tenant=LANZHOU,
            granter=None,
        )
    assert bad.value.code == "policy.object_unknown"
