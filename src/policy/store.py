"""Policy storage in PostgreSQL, through Casbin's async SQLAlchemy adapter.

Every change happens in the caller's transaction: the adapter writes the rule
on the caller's session, `policy_state.version` is bumped, and an audit record
is appended, so the three land together or not at all. Refused attempts are
audited through `record_refusal` in a transaction of their own, because the
caller's is about to roll back.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import structlog
from casbin_async_sqlalchemy_adapter import Adapter
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from yiwang.platform import audit
from yiwang.platform.errors import Conflict
from yiwang.policy.catalogue import PolicyRule, RoleCatalogue
from yiwang.policy.domains import is_tenant_path
from yiwang.policy.enforcer import (
    NODE_GRANT,
    SUBTREE_GRANT,
    Grant,
    PolicySnapshot,
    catalogue_snapshot,
)
from yiwang.policy.models import CasbinRule

log = structlog.get_logger(__name__)

_BUMP = text("UPDATE policy_state SET version = version + 1 WHERE id = 1 RETURNING version")
_VERSION = text("SELECT version FROM policy_state WHERE id = 1")


def _adapter(session: AsyncSession) -> Adapter:
    """The adapter bound to the caller's session: it neither commits nor rolls back."""
    return Adapter(session.bind, db_class=CasbinRule, db_session=session)


async def current_version(session: AsyncSession) -> int:
    return int((await session.execute(_VERSION)).scalar_one())


async def load_snapshot(session: AsyncSession, catalogue: RoleCatalogue) -> PolicySnapshot:
    """Version, grants and regional denies from the database, plus the catalogue's templates.

    Read in one statement-consistent pass: the version is read first, and a
    change committed after it only makes the next refresh build again.
    """
    version = await current_version(session)
    rows = (
        await session.execute(
            select(
                CasbinRule.ptype,
                CasbinRule.v0,
                CasbinRule.v1,
                CasbinRule.v2,
                CasbinRule.v3,
                CasbinRule.v4,
            ).order_by(CasbinRule.id)
        )
    ).all()
    grants: list[Grant] = []
    overrides: list[PolicyRule] = []
    for ptype, v0, v1, v2, v3, v4 in rows:
        if ptype in (SUBTREE_GRANT, NODE_GRANT):
            grants.append(Grant(v0, v1, v2, ptype == SUBTREE_GRANT))
        elif ptype == "p" and v4 == "deny" and is_tenant_path(v1 or ""):
            overrides.append(PolicyRule(v0, v1, v2, v3, v4))
        else:
            # Regions only ever add denies at their own node; anything else was
            # written behind the application's back and is not honoured.
            log.warning("policy_row_ignored", ptype=ptype, v0=v0, v1=v1, v2=v2, v3=v3, v4=v4)
    return catalogue_snapshot(catalogue, version=version, grants=grants, overrides=overrides)


async def _insert(
    session: AsyncSession, sec: str, ptype: str, row: list[str], conflict: Callable[[], Conflict]
) -> None:
    """Add one rule; a row already stored raises `conflict()`.

    The savepoint keeps the caller's transaction usable after the duplicate.
    """
    try:
        async with session.begin_nested():
            await _adapter(session).add_policy(sec, ptype, row)
            await session.flush()
    except IntegrityError as exc:
        raise conflict() from exc


async def _bump_and_audit(
    session: AsyncSession,
    action: str,
    changed: Sequence[Grant | PolicyRule],
    *,
    actor: str,
    tenant_id: int | None,
) -> int:
    """Bump the policy version once and audit each changed grant or rule against it."""
    version = int((await session.execute(_BUMP)).scalar_one())
    for item in changed:
        if isinstance(item, Grant):
            object_type, object_id = "role_grant", f"{item.subject}/{item.role}@{item.node}"
            detail = {**item.as_dict(), "subject": item.subject}
        else:
            object_type, object_id = "policy_rule", ",".join(item.as_row())
            detail = item.as_dict()
        await audit.record(
            session,
            actor=actor,
            action=action,
            object_type=object_type,
            object_id=object_id,
            tenant_id=tenant_id,
            detail={**detail, "policy_version": version},
        )
    return version


async def add_grant(
    session: AsyncSession, grant: Grant, *, actor: str, tenant_id: int | None
) -> int:
    """Store a grant; returns the new policy version."""
    await _insert(
        session,
        "g",
        grant.ptype,
        [grant.subject, grant.role, grant.node],
        lambda: Conflict("policy.grant_exists", role=grant.role, tenant=grant.node),
    )
    return await _bump_and_audit(session, "role.grant", [grant], actor=actor, tenant_id=tenant_id)


async def remove_grants(
    session: AsyncSession, grants: list[Grant], *, actor: str, tenant_id: int | None
) -> int:
    adapter = _adapter(session)
    for grant in grants:
        await adapter.remove_policy("g", grant.ptype, [grant.subject, grant.role, grant.node])
    return await _bump_and_audit(session, "role.revoke", grants, actor=actor, tenant_id=tenant_id)


async def add_override(
    session: AsyncSession, rule: PolicyRule, *, actor: str, tenant_id: int | None
) -> int:
    """Store a region's deny override; returns the new policy version."""
    await _insert(session, "p", "p", rule.as_row(), lambda: Conflict("conflict"))
    return await _bump_and_audit(session, "policy.deny", [rule], actor=actor, tenant_id=tenant_id)


async def remove_override(
    session: AsyncSession, rule: PolicyRule, *, actor: str, tenant_id: int | None
) -> int:
    await _adapter(session).remove_policy("p", "p", rule.as_row())
    return await _bump_and_audit(session, "policy.undeny", [rule], actor=actor, tenant_id=tenant_id)


async def record_refusal(
    session: AsyncSession,
    *,
    actor: str,
    action: str,
    code: str,
    tenant_id: int | None,
    detail: dict[str, Any],
) -> None:
    """Audit a refused policy change (the attempt, its error code and its input)."""
    await audit.record(
        session,
        actor=actor,
        action=action,
        object_type={"role": "role_grant", "user": "account"}.get(
            action.split(".", 1)[0], "policy_rule"
        ),
        tenant_id=tenant_id,
        outcome="denied",
        detail={**detail, "error": code},
    )
