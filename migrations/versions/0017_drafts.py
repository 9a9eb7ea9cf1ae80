"""Application drafts, and one 好差评 per case.

`application_drafts`: what a signed-in citizen typed and uploaded for one service
item (保存草稿), one per (tenant, account, service item), removed with the
account. Tenant-owned, behind forced RLS with the kernel's four policies.

`ux_supervision_evaluations_case`: a case is rated once; the citizen's second
rating is refused by the index, so two concurrent posts cannot both land. An
earlier duplicate (none is written by the platform) keeps only its first row: removed
tenant by tenant with that tenant's context set, as forced row-level security binds the
owner too (without a context the delete admits no row and the index fails).

Revision ID: 0017_drafts
Revises: 0015_record_set_versions
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import context, op
from sqlalchemy.dialects import postgresql

revision: str = "0017_drafts"
down_revision: str | None = "0016_supervision_rollup"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "application_drafts",
        sa.Column("tenant_id", sa.BigInteger(), nullable=False),
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("account_id", sa.BigInteger(), nullable=False),
        sa.Column("service_item_id", sa.BigInteger(), nullable=False),
        sa.Column("values", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("attachments", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], name="fk_application_drafts_tenant"),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name="fk_application_drafts_account",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name="pk_application_drafts"),
        sa.UniqueConstraint(
            "tenant_id", "account_id", "service_item_id", name="uq_application_drafts_owner"
        ),
    )
    for stmt in enable_tenant_rls("application_drafts", app_role()):
        op.execute(stmt)
    _each_tenant(
        "DELETE FROM supervision_evaluations AS e USING supervision_evaluations AS f "
        "WHERE e.tenant_id = f.tenant_id AND e.case_id = f.case_id AND e.id > f.id"
    )
    op.create_index(
        "ux_supervision_evaluations_case",
        "supervision_evaluations",
        ["tenant_id", "case_id"],
        unique=True,
    )


def downgrade() -> None:
    op.drop_index("ux_supervision_evaluations_case", table_name="supervision_evaluations")
    for stmt in disable_tenant_rls("application_drafts"):
        op.execute(stmt)
    op.drop_table("application_drafts")


# --- frozen helpers: a migration never imports live code, so it copies what it needs ---
def app_role() -> str:
    """The application's database role, which `yiwang db upgrade` passes in."""
    name = str(context.config.attributes.get("app_role") or "yiwang_app")
    if not name.replace("_", "").isalnum():
        raise ValueError(f"unexpected database role name {name!r}")
    return name


def _each_tenant(statement: str) -> None:
    """Run `statement` once per tenant with that tenant's context set (the rollup's
    triggers on the table read it too)."""
    op.execute(
        f"""
DO $each$
DECLARE t bigint;
BEGIN
  FOR t IN SELECT id FROM tenants LOOP
    PERFORM set_config('yiwang.tenant_id', t::text, true);
    PERFORM set_config('yiwang.visible_tenants', '{{' || t || '}}', true);
    {statement};
  END LOOP;
  PERFORM set_config('yiwang.tenant_id', '', true);
  PERFORM set_config('yiwang.visible_tenants', '', true);
END
$each$"""
    )


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
