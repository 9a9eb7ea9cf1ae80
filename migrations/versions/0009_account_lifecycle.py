"""Account lifecycle: activation codes, password age and history, TOTP re-enrolment,
session versions, one verified identity per ID number.

Revision ID: 0009_account_lifecycle
Revises: 0008_cases

Accounts that exist already keep working: they are `active`, their password
counts as set now (so nobody's expires on upgrade day), and their session
version starts at 1. Two accounts verified with the same ID number (the
development provider allowed it) lose the later verification; the earliest
keeps it, and the others verify again against a real provider.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import context, op
from sqlalchemy.dialects import postgresql

revision: str = "0009_account_lifecycle"
down_revision: str | None = "0008_cases"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    role = app_role()
    op.add_column("accounts", sa.Column("password_changed_at", sa.DateTime(timezone=True)))
    op.execute("UPDATE accounts SET password_changed_at = now() WHERE password_hash IS NOT NULL")
    op.add_column(
        "accounts",
        sa.Column(
            "password_history",
            postgresql.JSONB(),
            server_default=sa.text("'[]'::jsonb"),
            nullable=False,
        ),
    )
    op.add_column("accounts", sa.Column("totp_pending_enc", sa.Text()))
    op.add_column("accounts", sa.Column("totp_pending_at", sa.DateTime(timezone=True)))
    op.add_column(
        "accounts",
        sa.Column("session_version", sa.BigInteger(), server_default=sa.text("1"), nullable=False),
    )
    op.drop_constraint(op.f("ck_accounts_status"), "accounts", type_="check")
    op.create_check_constraint(
        op.f("ck_accounts_status"), "accounts", "status IN ('pending','active','disabled')"
    )
    op.execute(
        """
        UPDATE accounts SET id_number_enc = NULL, id_number_index = NULL,
               realname_verified_at = NULL, realname_provider = NULL
        WHERE id IN (
            SELECT id FROM (
                SELECT id, row_number() OVER (
                    PARTITION BY id_number_index ORDER BY realname_verified_at, id
                ) AS n
                FROM accounts WHERE id_number_index IS NOT NULL
            ) ranked WHERE n > 1
        )
        """
    )
    op.drop_index("ix_accounts_id_number_index", table_name="accounts")
    op.create_index(
        "uq_accounts_id_number_index",
        "accounts",
        ["id_number_index"],
        unique=True,
        postgresql_where=sa.text("id_number_index IS NOT NULL"),
    )
    op.create_table(
        "account_activations",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("account_id", sa.BigInteger(), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("code_hash", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("issued_by", sa.Text(), nullable=False),
        sa.Column("issued_by_account", sa.BigInteger(), nullable=True),
        sa.Column("approved_by", sa.Text(), nullable=True),
        sa.Column("approved_by_account", sa.BigInteger(), nullable=True),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("pending_password_hash", sa.Text(), nullable=True),
        sa.Column("pending_totp_enc", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "purpose IN ('create','reset')", name=op.f("ck_account_activations_purpose")
        ),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_account_activations_account_id_accounts"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account_activations")),
    )
    op.create_index("ix_account_activations_account_id", "account_activations", ["account_id"])
    # Kept, never deleted: they record who held an account's codes.
    op.execute(f"GRANT SELECT, INSERT, UPDATE ON account_activations TO {role}")


def downgrade() -> None:
    op.drop_index("ix_account_activations_account_id", table_name="account_activations")
    op.drop_table("account_activations")
    op.drop_index("uq_accounts_id_number_index", table_name="accounts")
    op.create_index("ix_accounts_id_number_index", "accounts", ["id_number_index"])
    op.execute("UPDATE accounts SET status = 'disabled' WHERE status = 'pending'")
    op.drop_constraint(op.f("ck_accounts_status"), "accounts", type_="check")
    op.create_check_constraint(
        op.f("ck_accounts_status"), "accounts", "status IN ('active','disabled')"
    )
    for column in (
        "session_version",
        "totp_pending_at",
        "totp_pending_enc",
        "password_history",
        "password_changed_at",
    ):
        op.drop_column("accounts", column)


# --- frozen helpers: a migration never imports live code, so it copies what it needs ---
def app_role() -> str:
    """The application's database role, which `yiwang db upgrade` passes in."""
    name = str(context.config.attributes.get("app_role") or "yiwang_app")
    if not name.replace("_", "").isalnum():
        raise ValueError(f"unexpected database role name {name!r}")
    return name
