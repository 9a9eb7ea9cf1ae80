"""Identity and policy: accounts, Casbin rules (grants, regional denies), policy version.

Revision ID: 0003_identity_policy
Revises: 0002_metadata
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import context, op

revision: str = "0003_identity_policy"
down_revision: str | None = "0002_metadata"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    role = app_role()
    op.create_table(
        "accounts",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("login", sa.Text(), nullable=False),
        sa.Column("login_index", sa.Text(), nullable=False),
        sa.Column("display_name", sa.Text(), nullable=True),
        sa.Column("tenant_id", sa.BigInteger(), nullable=True),
        sa.Column("department_key", sa.Text(), nullable=True),
        sa.Column("phone_enc", sa.Text(), nullable=True),
        sa.Column("phone_index", sa.Text(), nullable=True),
        sa.Column("id_number_enc", sa.Text(), nullable=True),
        sa.Column("id_number_index", sa.Text(), nullable=True),
        sa.Column("password_hash", sa.Text(), nullable=True),
        sa.Column("totp_secret_enc", sa.Text(), nullable=True),
        sa.Column("failed_logins", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_login_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("realname_verified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("realname_provider", sa.Text(), nullable=True),
        sa.Column("status", sa.Text(), server_default=sa.text("'active'"), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.CheckConstraint("kind IN ('staff','citizen','legal')", name=op.f("ck_accounts_kind")),
        sa.CheckConstraint("status IN ('active','disabled')", name=op.f("ck_accounts_status")),
        sa.CheckConstraint("failed_logins >= 0", name=op.f("ck_accounts_failed_logins")),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_accounts_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_accounts")),
        sa.UniqueConstraint("login_index", name=op.f("uq_accounts_login_index")),
    )
    op.create_index("ix_accounts_phone_index", "accounts", ["phone_index"])
    op.create_index("ix_accounts_id_number_index", "accounts", ["id_number_index"])
    op.create_index("ix_accounts_tenant_id", "accounts", ["tenant_id"])

    op.create_table(
        "casbin_rule",
        sa.Column("id", sa.Integer(), nullable=False),
        *(
            sa.Column(c, sa.String(255), nullable=True)
            for c in ("ptype", "v0", "v1", "v2", "v3", "v4", "v5")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_casbin_rule")),
    )
    op.create_index(
        "uq_casbin_rule_line",
        "casbin_rule",
        ["ptype", "v0", "v1", "v2", "v3", "v4", "v5"],
        unique=True,
        postgresql_nulls_not_distinct=True,
    )
    op.create_table(
        "policy_state",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_policy_state_single_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_policy_state")),
    )
    op.execute("INSERT INTO policy_state (id, version) VALUES (1, 1)")
    for stmt in (
        # Accounts are never deleted (the audit trail names them): disabled instead.
        f"GRANT SELECT, INSERT, UPDATE ON accounts TO {role}",
        f"GRANT SELECT, INSERT, DELETE ON casbin_rule TO {role}",
        f"GRANT USAGE, SELECT ON SEQUENCE casbin_rule_id_seq TO {role}",
        f"GRANT SELECT, UPDATE ON policy_state TO {role}",
    ):
        op.execute(stmt)


def downgrade() -> None:
    op.drop_table("policy_state")
    op.drop_index("uq_casbin_rule_line", table_name="casbin_rule")
    op.drop_table("casbin_rule")
    op.drop_index("ix_accounts_tenant_id", table_name="accounts")
    op.drop_index("ix_accounts_id_number_index", table_name="accounts")
    op.drop_index("ix_accounts_phone_index", table_name="accounts")
    op.drop_table("accounts")


# --- frozen helpers: a migration never imports live code, so it copies what it needs ---
def app_role() -> str:
    """The application's database role, which `yiwang db upgrade` passes in."""
    name = str(context.config.attributes.get("app_role") or "yiwang_app")
    if not name.replace("_", "").isalnum():
        raise ValueError(f"unexpected database role name {name!r}")
    return name
