"""Row-level-security policies read the tenant settings once per statement.

Every tenant table's policies compared `tenant_id` with
`nullif(current_setting(...), '')::bigint[]`, which PostgreSQL evaluates for every
row a scan or a rescan meets, parsing the whole list of visible ids each time. In a
scalar subquery the setting becomes an InitPlan, evaluated once per statement, with
the same meaning: the setting cannot change within a statement.

Only policies whose expression is exactly one of the four old shapes are altered (as
PostgreSQL prints them back), so a policy written by hand for a special table is left
as it is; the downgrade puts the old shapes back the same way.

Revision ID: 0023_rls_once_per_statement
Revises: 0021_rollup_complaints_now
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op
from sqlalchemy import text
from sqlalchemy.engine import Connection

revision: str = "0023_rls_once_per_statement"
down_revision: str | None = "0021_rollup_complaints_now"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# --- frozen texts: what the policies said, and what they say after this revision ---
OLD_VISIBLE = "nullif(current_setting('yiwang.visible_tenants', true), '')::bigint[]"
OLD_ACTING = "nullif(current_setting('yiwang.tenant_id', true), '')::bigint"
NEW_VISIBLE = (
    "(SELECT nullif(current_setting('yiwang.visible_tenants', true), '')::bigint[])::bigint[]"
)
NEW_ACTING = "(SELECT nullif(current_setting('yiwang.tenant_id', true), '')::bigint)"


def _read(visible: str) -> str:
    return f"tenant_id = ANY ({visible})"


def _own(acting: str) -> str:
    return f"tenant_id = {acting}"


def _normalised(conn: Connection, expression: str) -> str:
    """The expression as PostgreSQL prints a policy's back (pg_policies.qual)."""
    conn.execute(text("CREATE TEMP TABLE rls_shape (tenant_id bigint) ON COMMIT DROP"))
    conn.execute(text(f"CREATE POLICY shape ON rls_shape USING ({expression})"))
    printed = conn.execute(
        text("SELECT qual FROM pg_policies WHERE tablename = 'rls_shape'")
    ).scalar_one()
    conn.execute(text("DROP TABLE rls_shape"))
    return str(printed)


def _rewrite(visible_from: str, acting_from: str, visible_to: str, acting_to: str) -> None:
    conn = op.get_bind()
    read_from, own_from = (
        _normalised(conn, _read(visible_from)),
        _normalised(conn, _own(acting_from)),
    )
    policies = conn.execute(
        text(
            "SELECT tablename, policyname, cmd, qual, with_check FROM pg_policies "
            "WHERE schemaname = current_schema() ORDER BY tablename, policyname"
        )
    ).all()
    for table, policy, cmd, qual, check in policies:
        clauses = []
        if cmd == "SELECT" and qual == read_from and check is None:
            clauses.append(f"USING ({_read(visible_to)})")
        if cmd in ("UPDATE", "DELETE") and qual == own_from:
            clauses.append(f"USING ({_own(acting_to)})")
        if cmd in ("INSERT", "UPDATE") and check == own_from:
            clauses.append(f"WITH CHECK ({_own(acting_to)})")
        if clauses:
            op.execute(f'ALTER POLICY "{policy}" ON "{table}" ' + " ".join(clauses))


def upgrade() -> None:
    _rewrite(OLD_VISIBLE, OLD_ACTING, NEW_VISIBLE, NEW_ACTING)


def downgrade() -> None:
    _rewrite(NEW_VISIBLE, NEW_ACTING, OLD_VISIBLE, OLD_ACTING)
