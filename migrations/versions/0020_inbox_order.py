"""The inbox reads its page from an index: tasks by tenant and role, in the inbox's own
order (due day, opened at, case), so a page of 50 costs 50 index entries and 50 case
look-ups instead of a sort over every open task of the role. It replaces
`ix_case_tasks_role_due`, a prefix of it.

Revision ID: 0020_inbox_order
Revises: 0019_rollup_bulk_and_now
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0020_inbox_order"
down_revision: str | None = "0019_rollup_bulk_and_now"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_case_tasks_inbox", "case_tasks", ["tenant_id", "role", "due_on", "opened_at", "case_id"]
    )
    op.drop_index("ix_case_tasks_role_due", table_name="case_tasks")


def downgrade() -> None:
    op.create_index("ix_case_tasks_role_due", "case_tasks", ["tenant_id", "role", "due_on"])
    op.drop_index("ix_case_tasks_inbox", table_name="case_tasks")
