"""Supervision rollup: a bulk writer may add its own rows' counts instead of the triggers.

The rollup's statement-level INSERT triggers (`0016_supervision_rollup`) now fire
only while the transaction has not set `yiwang.rollup_deferred` to `on`. The one
writer that sets it is the case seeder (`yiwang bench seed --cases`): it writes
whole batches of new cases with their dependents and adds the batch's counts to
`supervision_rollup` and `supervision_warning_months` itself, in the same
transaction, one grouped upsert per table from the rows its inserts return. The
triggers' per-row probes (a case's facts, a fact's case) cost the seeder 2.5
times its time; the seeder knows each case's month and department without them.

A `WHEN` on the trigger, not a test inside the function: nothing of the
functions changes, and a deferred statement queues no trigger call at all.
`yiwang supervision rebuild-rollup` recounts everything from the raw rows.

Revision ID: 0019_rollup_deferred
Revises: 0017_drafts
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0019_rollup_deferred"
down_revision: str | None = "0017_drafts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DEFERRED = "current_setting('yiwang.rollup_deferred', true) IS DISTINCT FROM 'on'"

#: (table, function) of the INSERT triggers `0016` created; updates and deletes
#: (which the seeder never writes) always count
INSERT_TRIGGERS = (
    ("cases", "cases_rollup"),
    ("supervision_case_facts", "supervision_case_facts_rollup"),
    ("supervision_evaluations", "supervision_evaluations_rollup"),
    ("supervision_complaints", "supervision_complaints_rollup"),
    ("case_outbox", "case_outbox_rollup"),
)


def _recreate(when: str) -> None:
    for table, function in INSERT_TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {table}_rollup_insert ON {table}")
        op.execute(
            f"CREATE TRIGGER {table}_rollup_insert AFTER INSERT ON {table}"
            f" REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT {when}"
            f" EXECUTE FUNCTION {function}()"
        )


def upgrade() -> None:
    _recreate(f"WHEN ({DEFERRED})")


def downgrade() -> None:
    _recreate("")
