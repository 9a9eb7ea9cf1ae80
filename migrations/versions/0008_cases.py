"""Cases (办件): cases, timeline, outbox, open tasks, day counters, issued certificates.

Every table is tenant-owned (`tenant_id` leads each primary and foreign key)
and behind forced row-level security with the kernel's four policies. The
timeline and the outbox are append-only for the application (no DELETE; the
outbox may only mark a row delivered).

Revision ID: 0008_cases
Revises: 0007_records
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import context, op
from sqlalchemy.dialects import postgresql

revision: str = "0008_cases"
down_revision: str | None = "0007_records"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TABLES = (
    ("cases", "SELECT, INSERT, UPDATE"),
    ("case_events", "SELECT, INSERT"),
    ("case_outbox", "SELECT, INSERT, UPDATE"),
    ("case_tasks", "SELECT, INSERT, UPDATE, DELETE"),
    ("case_counters", "SELECT, INSERT, UPDATE"),
    ("case_certificates", "SELECT, INSERT, UPDATE"),
)


def _case_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["tenant_id", "case_id"], ["cases.tenant_id", "cases.id"], name=f"fk_{table}_case"
    )


def upgrade() -> None:
    role = app_role()
    ts = sa.DateTime(timezone=True)
    op.create_table(
        "cases",
        sa.Column("tenant_id", sa.BigInteger(), nullable=False),
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("number", sa.Text(), nullable=False),
        sa.Column("record_id", sa.BigInteger(), nullable=True),
        sa.Column("service_item", sa.Text(), nullable=False),
        sa.Column("issuer_name", sa.Text(), nullable=True),
        sa.Column("issuer_code", sa.Text(), nullable=True),
        sa.Column("form_key", sa.Text(), nullable=False),
        sa.Column("route_key", sa.Text(), nullable=False),
        sa.Column("route_version", sa.Text(), nullable=False),
        sa.Column("route_definition", postgresql.JSONB(), nullable=False),
        sa.Column("form_data", postgresql.JSONB(), nullable=False),
        sa.Column("state", postgresql.JSONB(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("submitter", sa.Text(), nullable=False),
        sa.Column("submitted_at", ts, nullable=False),
        sa.Column("updated_at", ts, nullable=False),
        sa.Column("statutory_due", sa.Date(), nullable=True),
        sa.Column("promised_due", sa.Date(), nullable=True),
        sa.Column("statutory_left", sa.Integer(), nullable=True),
        sa.Column("promised_left", sa.Integer(), nullable=True),
        sa.Column("warn_on", sa.Date(), nullable=True),
        sa.Column("colour", sa.Text(), nullable=True),
        sa.Column("next_check", sa.Date(), nullable=True),
        sa.CheckConstraint(
            "colour IS NULL OR colour IN ('green','yellow','red')", name=op.f("ck_cases_colour")
        ),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], name="fk_cases_tenant"),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_cases")),
        sa.UniqueConstraint("tenant_id", "number", name="uq_cases_tenant_number"),
    )
    op.create_index(
        "uq_cases_tenant_record",
        "cases",
        ["tenant_id", "record_id"],
        unique=True,
        postgresql_where=sa.text("record_id IS NOT NULL"),
    )
    op.create_index(
        "ix_cases_next_check",
        "cases",
        ["tenant_id", "next_check"],
        postgresql_where=sa.text("next_check IS NOT NULL"),
    )
    op.create_table(
        "case_events",
        sa.Column("tenant_id", sa.BigInteger(), nullable=False),
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("case_id", sa.BigInteger(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("actor", sa.Text(), nullable=True),
        sa.Column("at", ts, nullable=False),
        sa.Column("step", sa.Text(), nullable=True),
        sa.Column("task", sa.Text(), nullable=True),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("attachments", postgresql.JSONB(), nullable=False),
        sa.Column("data", postgresql.JSONB(), nullable=False),
        _case_fk("case_events"),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_case_events")),
        sa.UniqueConstraint("tenant_id", "case_id", "seq", name="uq_case_events_case_seq"),
    )
    op.create_table(
        "case_outbox",
        sa.Column("tenant_id", sa.BigInteger(), nullable=False),
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("case_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("payload", postgresql.JSONB(), nullable=False),
        sa.Column("created_at", ts, server_default=sa.func.now(), nullable=False),
        sa.Column("delivered_at", ts, nullable=True),
        _case_fk("case_outbox"),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_case_outbox")),
    )
    op.create_index(
        "ix_case_outbox_pending",
        "case_outbox",
        ["tenant_id", "id"],
        postgresql_where=sa.text("delivered_at IS NULL"),
    )
    op.create_table(
        "case_tasks",
        sa.Column("tenant_id", sa.BigInteger(), nullable=False),
        sa.Column("case_id", sa.BigInteger(), nullable=False),
        sa.Column("task", sa.Text(), nullable=False),
        sa.Column("step", sa.Text(), nullable=False),
        sa.Column("role", sa.Text(), nullable=False),
        sa.Column("department", sa.Text(), nullable=True),
        sa.Column("assignee", sa.Text(), nullable=True),
        sa.Column("opened_at", ts, nullable=False),
        sa.Column("due_on", sa.Date(), nullable=True),
        _case_fk("case_tasks"),
        sa.PrimaryKeyConstraint("tenant_id", "case_id", "task", name=op.f("pk_case_tasks")),
    )
    op.create_index("ix_case_tasks_role_due", "case_tasks", ["tenant_id", "role", "due_on"])
    op.create_table(
        "case_counters",
        sa.Column("tenant_id", sa.BigInteger(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("last", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], name="fk_case_counters_tenant"),
        sa.PrimaryKeyConstraint("tenant_id", "day", name=op.f("pk_case_counters")),
    )
    op.create_table(
        "case_certificates",
        sa.Column("tenant_id", sa.BigInteger(), nullable=False),
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("case_id", sa.BigInteger(), nullable=False),
        sa.Column("identifier", sa.Text(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("issued_at", ts, nullable=False),
        sa.Column("revoked_at", ts, nullable=True),
        sa.Column("revoked_reason", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "status IN ('valid','revoked')", name=op.f("ck_case_certificates_status")
        ),
        _case_fk("case_certificates"),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_case_certificates")),
        sa.UniqueConstraint("identifier", "tenant_id", name="uq_case_certificates_identifier"),
    )
    for table, privileges in _TABLES:
        for stmt in enable_tenant_rls(table, role, privileges=privileges):
            op.execute(stmt)


def downgrade() -> None:
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
