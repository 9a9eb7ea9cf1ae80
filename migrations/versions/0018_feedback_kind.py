"""Complaints and questions told apart by a column, not by a text prefix.

`supervision_complaints.kind`: `complaint` (投诉) or `question` (咨询), default
`complaint`. A question used to be stored with its content prefixed `【咨询】`;
those rows become `question` with the prefix stripped. The downgrade puts the
prefix back on the questions and drops the column.

Revision ID: 0018_feedback_kind
Revises: 0017_drafts
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018_feedback_kind"
down_revision: str | None = "0017_drafts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: how a question was marked before this revision (frozen here, as it was written)
QUESTION_MARK = "【咨询】"


def upgrade() -> None:
    op.add_column(
        "supervision_complaints",
        sa.Column("kind", sa.Text(), server_default=sa.text("'complaint'"), nullable=False),
    )
    op.create_check_constraint(
        "ck_supervision_complaints_kind",
        "supervision_complaints",
        "kind IN ('complaint', 'question')",
    )
    _each_tenant(
        "UPDATE supervision_complaints SET kind = 'question',"
        f" content = substr(content, {len(QUESTION_MARK)} + 1)"
        f" WHERE starts_with(content, '{QUESTION_MARK}')"
        f" AND length(content) > {len(QUESTION_MARK)}"
    )


def downgrade() -> None:
    _each_tenant(
        f"UPDATE supervision_complaints SET content = '{QUESTION_MARK}' || content"
        " WHERE kind = 'question'"
    )
    op.drop_constraint("ck_supervision_complaints_kind", "supervision_complaints", type_="check")
    op.drop_column("supervision_complaints", "kind")


# --- frozen helpers: a migration never imports live code, so it copies what it needs ---
def _each_tenant(statement: str) -> None:
    """Run `statement` once per tenant with that tenant's context set: the table is behind
    forced row-level security, which binds its owner too (and the rollup's triggers)."""
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
