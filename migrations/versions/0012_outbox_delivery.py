"""Outbox delivery: attempts and back-off on `case_outbox`.

The delivery job (`runtime/outbox`) sends a row's notifications and marks it
delivered; when a gateway fails it counts the attempt, keeps the error's kind
and waits until `next_attempt_at` before the next try. The pending index leads
with the retry time, so a row backing off costs the next run nothing.

Revision ID: 0012_outbox_delivery
Revises: 0011_audit_batch
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012_outbox_delivery"
down_revision: str | None = "0011_audit_batch"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    ts = sa.DateTime(timezone=True)
    op.add_column(
        "case_outbox",
        sa.Column("attempts", sa.Integer(), server_default=sa.text("0"), nullable=False),
    )
    op.add_column("case_outbox", sa.Column("next_attempt_at", ts, nullable=True))
    op.add_column("case_outbox", sa.Column("last_error", sa.Text(), nullable=True))


def downgrade() -> None:
    op.drop_column("case_outbox", "last_error")
    op.drop_column("case_outbox", "next_attempt_at")
    op.drop_column("case_outbox", "attempts")
