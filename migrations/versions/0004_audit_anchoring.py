"""Audit anchoring: the chain's head and the hash at a sequence number, for checkpoints.

The application's role reads audit rows only under row-level security (its
tenants' rows), so the two functions that checkpoints need run as the owner
(SECURITY DEFINER) and return no row's content beyond its sequence number
and hash. Frozen text: this migration imports no live module.

Revision ID: 0004_audit_anchoring
Revises: 0003_identity_policy
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

from migrations.registry import app_role

revision: str = "0004_audit_anchoring"
down_revision: str | None = "0003_identity_policy"
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
