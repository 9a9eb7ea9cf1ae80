"""Metadata: published versions, drafts, effective models, the publish generation.

Revision ID: 0002_metadata
Revises: 0001_foundation

Chained after 0003 so the history keeps one head: 0003 was written against
0001 while this revision was being prepared. Nothing here depends on 0003.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from migrations.registry import app_role
from yiwang.platform.rls import disable_tenant_rls, enable_tenant_rls

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
