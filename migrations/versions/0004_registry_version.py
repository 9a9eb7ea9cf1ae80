"""Registry version and order-keeping metadata.

- `registry_state`: one row, the version every change to the tenant registry
  bumps in its own transaction, so workers notice a change made through any
  door (API, command line, job) by polling PostgreSQL when Redis is away.
- Metadata documents are stored as `json`, not `jsonb`: `json` keeps the text
  as written, and with it the order of fields, table columns and every other
  mapping the YAML wrote; `jsonb` sorts keys.

Revision ID: 0004_registry_version
Revises: 0003_identity_policy
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import context, op

revision: str = "0004_registry_version"
down_revision: str | None = "0003_identity_policy"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ORDERED = (("metadata_versions", "content"), ("metadata_drafts", "content"))


def upgrade() -> None:
    role = app_role()
    op.create_table(
        "registry_state",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_registry_state_single_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registry_state")),
    )
    op.execute("INSERT INTO registry_state (id, version) VALUES (1, 1)")
    op.execute(f"GRANT SELECT, UPDATE ON registry_state TO {role}")
    for table, column in _ORDERED:
        op.execute(f"ALTER TABLE {table} ALTER COLUMN {column} TYPE json USING {column}::json")


def downgrade() -> None:
    for table, column in _ORDERED:
        op.execute(f"ALTER TABLE {table} ALTER COLUMN {column} TYPE jsonb USING {column}::jsonb")
    op.drop_table("registry_state")


# --- frozen helpers: a migration never imports live code, so it copies what it needs ---
def app_role() -> str:
    """The application's database role, which `yiwang db upgrade` passes in."""
    name = str(context.config.attributes.get("app_role") or "yiwang_app")
    if not name.replace("_", "").isalnum():
        raise ValueError(f"unexpected database role name {name!r}")
    return name
