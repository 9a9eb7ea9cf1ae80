"""Attachments: one row per upload, from the signed form to the verification's verdict.

Tenant-owned (`(tenant_id, id)`, forced row-level security). The key is the
server's and carries the tenant (`t/<tenant id>/attachments/<id>`), which a
check constraint holds. The partial index finds what the sweeper handles:
uploads never completed, verifications still pending, incoming keys not yet
cleared.

Revision ID: 0006_attachments
Revises: 0005_audit_anchoring
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import context, op
from sqlalchemy.dialects import postgresql

revision: str = "0006_attachments"
down_revision: str | None = "0005_audit_anchoring"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    role = app_role()
    op.create_table(
        "attachments",
        sa.Column("tenant_id", sa.BigInteger(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("item_type", sa.Text(), nullable=False),
        sa.Column("field", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("declared_type", sa.Text(), nullable=False),
        sa.Column("declared_size", sa.BigInteger(), nullable=False),
        sa.Column("max_size", sa.BigInteger(), nullable=False),
        sa.Column("accept", postgresql.JSONB(), nullable=False),
        sa.Column("status", sa.Text(), server_default=sa.text("'awaiting_upload'"), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("size", sa.BigInteger(), nullable=True),
        sa.Column("sha256", sa.Text(), nullable=True),
        sa.Column("content_type", sa.Text(), nullable=True),
        sa.Column("uploaded_by", sa.Text(), nullable=False),
        sa.Column("owner_account_id", sa.BigInteger(), nullable=True),
        sa.Column("upload_expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "incoming_cleared", sa.Boolean(), server_default=sa.text("false"), nullable=False
        ),
        sa.Column("verified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "detail", postgresql.JSONB(), server_default=sa.text("'{}'::jsonb"), nullable=False
        ),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.CheckConstraint(
            "status IN ('awaiting_upload','pending','verified','rejected')",
            name=op.f("ck_attachments_status"),
        ),
        sa.CheckConstraint(
            "key = 't/' || tenant_id::text || '/attachments/' || replace(id::text, '-', '')",
            name=op.f("ck_attachments_key_prefix"),
        ),
        sa.CheckConstraint(
            "sha256 IS NULL OR sha256 ~ '^[0-9a-f]{64}$'", name=op.f("ck_attachments_sha256_format")
        ),
        sa.CheckConstraint(
            "status <> 'rejected' OR reason IS NOT NULL",
            name=op.f("ck_attachments_rejected_reason"),
        ),
        sa.CheckConstraint(
            "status <> 'verified' OR (sha256 IS NOT NULL AND size IS NOT NULL "
            "AND content_type IS NOT NULL)",
            name=op.f("ck_attachments_verified_measured"),
        ),
        sa.CheckConstraint(
            "declared_size > 0 AND max_size > 0", name=op.f("ck_attachments_sizes_positive")
        ),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], name="fk_attachments_tenant"),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_attachments")),
        sa.UniqueConstraint("tenant_id", "key", name="uq_attachments_tenant_key"),
    )
    op.create_index(
        "ix_attachments_unfinished",
        "attachments",
        ["upload_expires_at"],
        postgresql_where=sa.text("status IN ('awaiting_upload','pending') OR NOT incoming_cleared"),
    )
    for stmt in enable_tenant_rls("attachments", role):
        op.execute(stmt)


def downgrade() -> None:
    for stmt in disable_tenant_rls("attachments"):
        op.execute(stmt)
    op.drop_index("ix_attachments_unfinished", table_name="attachments")
    op.drop_table("attachments")


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
