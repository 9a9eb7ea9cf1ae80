"""Rules for changing the policy: who may grant, revoke or deny what, where.

Separation of duties is enforced in two places. The catalogue's root deny
rules make Casbin refuse the forbidden actions (the audit admin managing
users, the system admin reading audit records) whatever else a person holds.
This module refuses the forbidden *changes*:
- a role is granted only at the levels the catalogue allows;
- one person never holds two conflicting roles (三员分立);
- nobody grants or revokes a role ranked above the best role they hold at
  the target, nor at a tenant outside their own grants' reach (a subtree
  grant needs a subtree grant of the granter), nor to themselves;
- grants and revocations follow the same rank rule for the person changed:
  nobody grants to, or revokes from, someone who holds at the target a role
  ranked at or above the granter's own (a county operator cannot strip a peer
  county operator, nor hand a peer more);
- a separated duty (系统/安全/审计管理员) goes only to an account whose person
  has set their own factors (activated), and never from someone who held one
  of its activation codes or half of one: who held a person's factors could
  otherwise act as that person in the duty;
- a region only adds deny overrides, at or below its own node, and only for
  roles ranked no higher than the granter's.
Each check raises with a stable code and changes nothing; the caller audits
the refusal.
"""

from __future__ import annotations

from dataclasses import dataclass

from yiwang.platform.errors import Conflict, InvalidInput, PermissionDenied
from yiwang.policy.catalogue import PolicyRule, Role, RoleCatalogue
from yiwang.policy.domains import in_subtree
from yiwang.policy.enforcer import Grant, PolicyEngine
from yiwang.tenants.tree import TenantNode


@dataclass(frozen=True)
class GranteeFactors:
    """Whether the grantee set their own factors, and who ever held their codes."""

    activated: bool
    #: subjects (`user:<id>`) and actors (`cli:<os user>`) who held a code or half of one
    holders: frozenset[str]


def _granting_rank(
    catalogue: RoleCatalogue,
    engine: PolicyEngine,
    granter: str,
    tenant: TenantNode,
    *,
    subtree: bool,
) -> int:
    """The best rank among the granter's roles that may grant at `tenant`; raises if none."""
    if not engine.allowed(granter, tenant.path, "role", "grant"):
        raise PermissionDenied("policy.grant_forbidden", tenant=tenant.name)
    enabling = [
        g
        for g in engine.grants_reaching(granter, tenant.path)
        if catalogue.roles[g.role].allows("role", "grant") and (g.subtree or not subtree)
    ]
    if not enabling:
        raise PermissionDenied("policy.grant_outside_subtree", tenant=tenant.name)
    return max(catalogue.roles[g.role].rank for g in enabling)


def _check_granter(
    catalogue: RoleCatalogue,
    engine: PolicyEngine,
    granter: str,
    grantee: str,
    role: Role,
    tenant: TenantNode,
    subtree: bool,
) -> None:
    if granter == grantee:
        raise PermissionDenied("policy.grant_self")
    rank = _granting_rank(catalogue, engine, granter, tenant, subtree=subtree)
    if rank < role.rank:
        raise PermissionDenied("policy.grant_above_own", role=role.name)
    standing = catalogue.best_rank(g.role for g in engine.grants_reaching(grantee, tenant.path))
    if standing >= rank:
        raise PermissionDenied("policy.grantee_outranks", tenant=tenant.name)


def _check_factors(
    role: Role, factors: GranteeFactors | None, granting: str, catalogue: RoleCatalogue
) -> None:
    if role.key not in catalogue.separated_duties:
        return
    if factors is None or not factors.activated:
        raise Conflict("policy.duty_needs_activation", role=role.name)
    if granting in factors.holders:
        raise PermissionDenied("policy.duty_factor_holder", role=role.name)


def check_grant(
    catalogue: RoleCatalogue,
    engine: PolicyEngine,
    *,
    grantee: str,
    grantee_kind: str,
    role_key: str,
    tenant: TenantNode,
    subtree: bool,
    granter: str | None,
    factors: GranteeFactors | None = None,
    acting: str = "",
) -> Grant:
    """The grant to store, or an error. `granter` None means the operator's command line;
    `acting` is who grants as the factor holders are recorded (the granter's subject,
    or the command line's actor)."""
    role = catalogue.role(role_key)
    if not role.grantable:
        raise InvalidInput("policy.role_not_grantable", pointer="/role", role=role_key)
    if grantee_kind != "staff":
        raise InvalidInput("policy.grantee_kind", pointer="/login", role=role.name)
    if tenant.level not in role.levels:
        raise InvalidInput(
            "policy.role_level",
            pointer="/tenant",
            role=role.name,
            level=catalogue.levels.get(tenant.level, tenant.level),
        )
    existing = engine.grants_of(grantee)
    other = catalogue.conflicting(role.key, {g.role for g in existing})
    if other is not None:
        raise Conflict("policy.duties_conflict", role=role.name, other=catalogue.roles[other].name)
    grant = Grant(grantee, role.key, tenant.path, subtree)
    if grant in existing:
        raise Conflict("policy.grant_exists", role=role.name, tenant=tenant.name)
    if granter is not None:
        _check_granter(catalogue, engine, granter, grantee, role, tenant, subtree)
    _check_factors(role, factors, granter or acting, catalogue)
    return grant


def check_revoke(
    catalogue: RoleCatalogue,
    engine: PolicyEngine,
    *,
    grantee: str,
    role_key: str,
    tenant: TenantNode,
    granter: str | None,
) -> list[Grant]:
    """The grants of `role_key` at exactly `tenant` to remove (subtree and node-only)."""
    role = catalogue.role(role_key)
    found = [g for g in engine.grants_of(grantee) if g.role == role.key and g.node == tenant.path]
    if not found:
        raise InvalidInput(
            "policy.grant_not_found", pointer="/role", role=role.name, tenant=tenant.name
        )
    if granter is not None:
        subtree = any(g.subtree for g in found)
        _check_granter(catalogue, engine, granter, grantee, role, tenant, subtree)
    return found


def check_deny_override(
    catalogue: RoleCatalogue,
    engine: PolicyEngine,
    *,
    role_key: str,
    obj: str,
    action: str,
    tenant: TenantNode,
    granter: str | None,
) -> PolicyRule:
    """A region's deny rule at its own node, or an error. Regions never add allows."""
    role = catalogue.role(role_key)
    catalogue.check_object(obj)
    catalogue.check_action(action)
    if granter is not None:
        rank = _granting_rank(catalogue, engine, granter, tenant, subtree=True)
        if rank < role.rank:
            raise PermissionDenied("policy.override_forbidden", tenant=tenant.name)
    return PolicyRule(role.key, tenant.path, obj, action, "deny")


def covers(grants: list[Grant], dom: str) -> bool:
    """True when one of `grants` reaches tenant `dom` (used by tests and scopes)."""
    return any(in_subtree(dom, g.node) if g.subtree else dom == g.node for g in grants)
