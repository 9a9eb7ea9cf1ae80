"""Webhooks: subscribers of a tenant's case events, and one delivery state per
(subscriber, outbox row).

- `webhook_subscribers`: a prefecture system's URL, the event kinds it wants
  (`case.*`, `deadline.*` or exact kinds), whether it is active, and the
  secret its deliveries are signed with, sealed with the platform's field
  cipher (AES-256-GCM, bound to the tenant and the subscriber).
- `webhook_deliveries`: per subscriber and `case_outbox` row, attempts, the
  retry time, the last status or error and when it was delivered, so one dead
  subscriber never holds up another, nor the applicant's notices (which keep
  `case_outbox.delivered_at`).

A statement trigger on `case_outbox` fans each new row out to the active
subscribers of its tenant whose kinds match, in the transaction that wrote the
row: no row committed late is ever skipped, and a subscriber created now gets
the events from now on. With no subscriber it costs one probe of an empty key
range per statement.

Both tables are tenant-owned and behind forced RLS with the kernel's four
policies; the trigger runs as the writer, inside the writer's scope.

Revision ID: 0014_webhooks
Revises: 0013_supervision
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import context, op
from sqlalchemy.dialects import postgresql

revision: str = "0014_webhooks"
down_revision: str | None = "0013_supervision"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TABLES = (
    ("webhook_subscribers", "SELECT, INSERT, UPDATE"),
    ("webhook_deliveries", "SELECT, INSERT, UPDATE"),
)

FAN_OUT = """
CREATE FUNCTION yiwang_webhook_fan_out() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO webhook_deliveries (tenant_id, subscriber_id, outbox_id)
    SELECT o.tenant_id, s.id, o.id
    FROM new_rows o
    JOIN webhook_subscribers s ON s.tenant_id = o.tenant_id AND s.active
    WHERE o.kind = ANY (s.kinds)
       OR EXISTS (SELECT 1 FROM unnest(s.kinds) AS k(pattern)
                  WHERE right(k.pattern, 2) = '.*'
                    AND starts_with(o.kind, left(k.pattern, -1)));
    RETURN NULL;
END
$$
"""


def upgrade() -> None:
    role = app_role()
    ts = sa.DateTime(timezone=True)
    op.create_table(
        "webhook_subscribers",
        sa.Column("tenant_id", sa.BigInteger(), nullable=False),
        sa.Column("id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("kinds", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False, server_default=sa.text("true")),
        sa.Column("secret_sealed", sa.Text(), nullable=False),
        sa.Column("created_by", sa.Text(), nullable=False),
        sa.Column("created_at", ts, nullable=False),
        sa.Column("secret_rotated_at", ts, nullable=True),
        sa.Column("disabled_at", ts, nullable=True),
        sa.Column("disabled_by", sa.Text(), nullable=True),
        sa.CheckConstraint("cardinality(kinds) > 0", name="ck_webhook_subscribers_kinds"),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name="fk_webhook_subscribers_tenant"
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name="pk_webhook_subscribers"),
    )
    op.create_table(
        "webhook_deliveries",
        sa.Column("tenant_id", sa.BigInteger(), nullable=False),
        sa.Column("subscriber_id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("outbox_id", sa.BigInteger(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default=sa.text("0")),
        sa.Column("next_attempt_at", ts, nullable=True),
        sa.Column("last_status", sa.SmallInteger(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("delivered_at", ts, nullable=True),
        sa.ForeignKeyConstraint(
            ["tenant_id", "subscriber_id"],
            ["webhook_subscribers.tenant_id", "webhook_subscribers.id"],
            name="fk_webhook_deliveries_subscriber",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "outbox_id"],
            ["case_outbox.tenant_id", "case_outbox.id"],
            name="fk_webhook_deliveries_outbox",
            # a delivery means nothing without its row (tests and purges remove rows)
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "tenant_id", "subscriber_id", "outbox_id", name="pk_webhook_deliveries"
        ),
    )
    op.create_index(
        "ix_webhook_deliveries_pending",
        "webhook_deliveries",
        ["tenant_id", "subscriber_id", "outbox_id"],
        postgresql_where=sa.text("delivered_at IS NULL"),
    )
    for table, privileges in _TABLES:
        for stmt in enable_tenant_rls(table, role, privileges=privileges):
            op.execute(stmt)
    op.execute(FAN_OUT)
    op.execute(
        "CREATE TRIGGER case_outbox_webhooks AFTER INSERT ON case_outbox"
        " REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT"
        " EXECUTE FUNCTION yiwang_webhook_fan_out()"
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS case_outbox_webhooks ON case_outbox")
    op.execute("DROP FUNCTION IF EXISTS yiwang_webhook_fan_out()")
    op.drop_index("ix_webhook_deliveries_pending", table_name="webhook_deliveries")
    for table, _ in reversed(_TABLES):
        for stmt in disable_tenant_rls(table):
            op.execute(stmt)
        op.drop_table(table)


# --- frozen helpers: a migration never imports live code, so it copies what it needs ---
def app_role() -> str:
    """The application's database role, which `yiwang db upgrade` passes in."""
    name = str(context.config.attributes.get("app_role") or "yiwang_app")
    if not name.replace("_", "").isalnum():
        raise ValueError(f"unexpected database role name {name!r}")
    return name


VISIBLE = "nullif(current_setting('yiwang.visible_tenants', true), '')::bigint[]"
ACTING = "nullif(current_setting('yiwang.tenant_id', true), '')::bigint"


def enable_tenant_rls(
    table: str, app_role: str, *, privileges: str = "SELECT, INSERT, UPDATE, DELETE"
) -> list[str]:
    """Statements that put `table` behind forced RLS and grant the app role access."""
    return [
        f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY",
        f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY",
        f"CREATE POLICY {table}_read ON {table} FOR SELECT USING (tenant_id = ANY ({VISIBLE}))",
        f"CREATE POLICY {table}_insert ON {table} FOR INSERT WITH CHECK (tenant_id = {ACTING})",
        f"CREATE POLICY {table}_update ON {table} FOR UPDATE "
        f"USING (tenant_id = {ACTING}) WITH CHECK (tenant_id = {ACTING})",
        f"CREATE POLICY {table}_delete ON {table} FOR DELETE USING (tenant_id = {ACTING})",
        f"GRANT {privileges} ON {table} TO {app_role}",
    ]


def disable_tenant_rls(table: str) -> list[str]:
    return [
        f"DROP POLICY IF EXISTS {table}_{name} ON {table}"
        for name in ("read", "insert", "update", "delete")
    ] + [
        f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY",
        f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY",
    ]
