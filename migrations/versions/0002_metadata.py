"""Metadata: published versions, drafts, effective models, the publish generation.

Revision ID: 0002_metadata
Revises: 0001_foundation

Chained after 0003 so the history keeps one head: 0003 was written against
0001 while this revision was being prepared. Nothing here depends on 0003.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import context, op
from sqlalchemy.dialects import postgresql

revision: str = "0002_metadata"
down_revision: str | None = "0001_foundation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: versions are immutable: the app may insert them and change only their status
_VERSION_PRIVILEGES = "SELECT, INSERT, UPDATE"


def upgrade() -> None:
    role = app_role()
    op.create_table(
        "metadata_versions",
        sa.Column("tenant_id", sa.BigInteger(), nullable=False),
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("content", postgresql.JSONB(), nullable=False),
        sa.Column("content_hash", sa.Text(), nullable=False),
        sa.Column("previous_id", sa.BigInteger(), nullable=True),
        sa.Column(
            "based_on", postgresql.JSONB(), server_default=sa.text("'[]'::jsonb"), nullable=False
        ),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("published_by", sa.Text(), nullable=False),
        sa.Column(
            "published_at",
            sa.DateTime(timezone=True),
            server_default=sa.func.now(),
            nullable=False,
        ),
        sa.CheckConstraint("kind IN ('base','overlay')", name=op.f("ck_metadata_versions_kind")),
        sa.CheckConstraint(
            "status IN ('current','superseded','rolled_back')",
            name=op.f("ck_metadata_versions_status"),
        ),
        sa.CheckConstraint(
            "content_hash ~ '^[0-9a-f]{64}$'", name=op.f("ck_metadata_versions_content_hash_format")
        ),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], name="fk_metadata_versions_tenant"),
        sa.ForeignKeyConstraint(
            ["tenant_id", "previous_id"],
            ["metadata_versions.tenant_id", "metadata_versions.id"],
            name="fk_metadata_versions_previous",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_metadata_versions")),
        sa.UniqueConstraint("tenant_id", "number", name="uq_metadata_versions_tenant_number"),
    )
    op.create_index(
        "uq_metadata_versions_current",
        "metadata_versions",
        ["tenant_id"],
        unique=True,
        postgresql_where=sa.text("status = 'current'"),
    )
    op.create_table(
        "metadata_drafts",
        sa.Column("tenant_id", sa.BigInteger(), nullable=False),
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("content", postgresql.JSONB(), nullable=False),
        sa.Column("based_on_id", sa.BigInteger(), nullable=True),
        sa.Column("updated_by", sa.Text(), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], name="fk_metadata_drafts_tenant"),
        sa.ForeignKeyConstraint(
            ["tenant_id", "based_on_id"],
            ["metadata_versions.tenant_id", "metadata_versions.id"],
            name="fk_metadata_drafts_based_on",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_metadata_drafts")),
        sa.UniqueConstraint("tenant_id", name="uq_metadata_drafts_tenant"),
    )
    op.create_table(
        "metadata_effective",
        sa.Column("tenant_id", sa.BigInteger(), nullable=False),
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("content_hash", sa.Text(), nullable=False),
        sa.Column("chain", postgresql.JSONB(), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], name="fk_metadata_effective_tenant"),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_metadata_effective")),
        sa.UniqueConstraint("tenant_id", "content_hash", name="uq_metadata_effective_tenant_hash"),
    )
    op.create_table(
        "metadata_state",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("generation", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_metadata_state_single_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_metadata_state")),
    )
    op.execute("CREATE SEQUENCE metadata_generation_seq START 2")
    op.execute("INSERT INTO metadata_state (id, generation) VALUES (1, 1)")
    for stmt in (
        *enable_tenant_rls("metadata_versions", role, privileges=_VERSION_PRIVILEGES),
        *enable_tenant_rls("metadata_drafts", role),
        *enable_tenant_rls("metadata_effective", role, privileges="SELECT, INSERT"),
        f"GRANT SELECT, UPDATE ON metadata_state TO {role}",
        f"GRANT USAGE ON SEQUENCE metadata_generation_seq TO {role}",
    ):
        op.execute(stmt)


def downgrade() -> None:
    for table in ("metadata_effective", "metadata_drafts", "metadata_versions"):
        for stmt in disable_tenant_rls(table):
            op.execute(stmt)
    op.drop_table("metadata_state")
    op.execute("DROP SEQUENCE IF EXISTS metadata_generation_seq")
    op.drop_table("metadata_effective")
    op.drop_table("metadata_drafts")
    op.drop_index("uq_metadata_versions_current", table_name="metadata_versions")
    op.drop_table("metadata_versions")


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


def audit_read_policy(app_role: str) -> list[str]:
    """The audit chain is written only by its SECURITY DEFINER function, so RLS on it is
    enabled but not forced (the owner's functions see the whole chain), and the app role
    reads only the rows of tenants in its scope."""
    return [
        "ALTER TABLE audit_log ENABLE ROW LEVEL SECURITY",
        f"CREATE POLICY audit_log_read ON audit_log FOR SELECT TO {app_role} "
        f"USING (tenant_id = ANY ({VISIBLE}))",
    ]
