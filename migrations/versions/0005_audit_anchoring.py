"""Audit anchoring: the chain's head and the hash at a sequence number, for checkpoints.

The application's role reads audit rows only under row-level security (its
tenants' rows), so the two functions that checkpoints need run as the owner
(SECURITY DEFINER) and return no row's content beyond its sequence number
and hash. Frozen text: this migration imports no live module.

Revision ID: 0005_audit_anchoring
Revises: 0004_registry_version
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import context, op

revision: str = "0005_audit_anchoring"
down_revision: str | None = "0004_registry_version"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CREATE = [
    """
CREATE FUNCTION yiwang_audit_head() RETURNS TABLE (seq bigint, hash bytea)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT a.seq, a.hash FROM audit_log a ORDER BY a.seq DESC LIMIT 1
$$
""",
    """
CREATE FUNCTION yiwang_audit_hash_at(p_seq bigint) RETURNS bytea
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT a.hash FROM audit_log a WHERE a.seq = p_seq
$$
""",
    "REVOKE ALL ON FUNCTION yiwang_audit_head() FROM PUBLIC",
    "REVOKE ALL ON FUNCTION yiwang_audit_hash_at(bigint) FROM PUBLIC",
]


def upgrade() -> None:
    role = app_role()
    for statement in [
        *CREATE,
        f"GRANT EXECUTE ON FUNCTION yiwang_audit_head() TO {role}",
        f"GRANT EXECUTE ON FUNCTION yiwang_audit_hash_at(bigint) TO {role}",
    ]:
        op.execute(statement)


def downgrade() -> None:
    op.execute("DROP FUNCTION IF EXISTS yiwang_audit_hash_at(bigint)")
    op.execute("DROP FUNCTION IF EXISTS yiwang_audit_head()")


# --- frozen helpers: a migration never imports live code, so it copies what it needs ---


def app_role() -> str:
    """The application's database role, which `yiwang db upgrade` passes in."""
    name = str(context.config.attributes.get("app_role") or "yiwang_app")
    if not name.replace("_", "").isalnum():
        raise ValueError(f"unexpected database role name {name!r}")
    return name
