"""经办人: the people who may act for an enterprise account.

Revision ID: 0028_legal_agents
Revises: 0023_rls_once_per_statement

An enterprise (a `legal` account, its login the 统一社会信用代码) names the citizens who
may act for it; each may then open a session acting for it. Accounts belong to no tenant,
so neither does this table (no row-level security, as `accounts`). A revoked agent's row
is deleted; the grant and the revocation stay in the audit trail.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import context, op

revision: str = "0028_legal_agents"
down_revision: str | None = "0023_rls_once_per_statement"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "legal_agents",
        sa.Column("legal_id", sa.BigInteger(), nullable=False),
        sa.Column("agent_id", sa.BigInteger(), nullable=False),
        sa.Column(
            "granted_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column("granted_by", sa.Text(), nullable=False),
        sa.CheckConstraint("legal_id <> agent_id", name=op.f("ck_legal_agents_not_self")),
        sa.ForeignKeyConstraint(
            ["legal_id"],
            ["accounts.id"],
            name=op.f("fk_legal_agents_legal_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["agent_id"],
            ["accounts.id"],
            name=op.f("fk_legal_agents_agent_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("legal_id", "agent_id", name=op.f("pk_legal_agents")),
    )
    op.create_index("ix_legal_agents_agent_id", "legal_agents", ["agent_id"])
    op.execute(f"GRANT SELECT, INSERT, DELETE ON legal_agents TO {app_role()}")


def downgrade() -> None:
    op.drop_index("ix_legal_agents_agent_id", table_name="legal_agents")
    op.drop_table("legal_agents")


def app_role() -> str:
    """The application's database role, which `yiwang db upgrade` passes in."""
    name = str(context.config.attributes.get("app_role") or "yiwang_app")
    if not name.replace("_", "").isalnum():
        raise ValueError(f"unexpected database role name {name!r}")
    return name
