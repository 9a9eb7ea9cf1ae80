"""What a caller may see of the accounts, and whom they may change: pure rules over one
engine.

**Visibility.** An administrator sees a staff account when they may read
(`user:read` or `role:read`, whichever the route is about) at the account's home
tenant or at a tenant where the account holds a grant. Nothing else: not the
staff of other regions, and never a citizen's or legal person's account, whose
logins are phone numbers and credit codes. A lookup of an account the caller
cannot see answers exactly as a lookup of one that does not exist
(`identity.account_not_found`), so no route tells whether a phone number or a
login has an account somewhere in the province.

**Standing.** Nobody changes the roles or the account of a person who stands
at or above them: a grant, a revocation, disabling, ending sessions or a reset
is refused when the target's best rank (at the tenant, for roles; anywhere, for
the account itself) is not below the caller's best rank among the roles that
allow the change. Peers of the same rank cannot strip or lock each other out.
"""

from __future__ import annotations

from collections.abc import Iterable

from yiwang.platform.errors import PermissionDenied
from yiwang.policy.catalogue import RoleCatalogue
from yiwang.policy.enforcer import Grant, PolicyEngine


def visible(
    engine: PolicyEngine,
    viewer: str,
    *,
    kind: str,
    home_path: str | None,
    grants: Iterable[Grant],
    obj: str,
) -> bool:
    """Whether `viewer` may see an account of `kind` homed at `home_path` holding `grants`."""
    if kind != "staff":
        return False
    places = [home_path] if home_path else []
    places += [g.node for g in grants]
    return any(engine.allowed(viewer, place, obj, "read") for place in places)


def acting_rank(
    catalogue: RoleCatalogue, engine: PolicyEngine, actor: str, path: str, obj: str, action: str
) -> int:
    """The caller's best rank among their roles reaching `path` that allow obj:action."""
    return catalogue.best_rank(
        g.role
        for g in engine.grants_reaching(actor, path)
        if g.role in catalogue.roles and catalogue.roles[g.role].allows(obj, action)
    )


def check_outranks(
    catalogue: RoleCatalogue,
    engine: PolicyEngine,
    actor: str,
    target: str,
    *,
    path: str,
    obj: str,
    action: str,
    at_path_only: bool,
) -> None:
    """Refuse unless `actor` stands above `target` (at `path`, or anywhere)."""
    if actor == target:
        return
    mine = acting_rank(catalogue, engine, actor, path, obj, action)
    grants = engine.grants_reaching(target, path) if at_path_only else engine.grants_of(target)
    theirs = catalogue.best_rank(g.role for g in grants)
    if grants and theirs >= mine:
        raise PermissionDenied("policy.target_outranks")
