"""Supervision rollup: a bulk writer may add its own rows' counts instead of the
triggers; yellow and red *now* kept in the rollup too.

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

`yellow_now` / `red_now`: the running cases (submitted, in review, 补正) that are
yellow or red now, on their case's rollup row (submission month, department),
kept by one more statement-level trigger on `cases` (`cases_now_rollup`: the
changed rows' colour and status, − as they were, + as they are; no lookup). The
metrics read them summed over every month of a tenant: counting them on the cases
read 71,000 heap pages for the province at 1,000,000 cases (22 s, past the 5 s
bound), the rollup's rows of the province are about 13,000.

Revision ID: 0019_rollup_bulk_and_now
Revises: 0018_feedback_kind
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019_rollup_bulk_and_now"
down_revision: str | None = "0018_feedback_kind"
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
    ("cases", "cases_now_rollup"),
)
RUNNING = "('submitted', 'in_review', 'supplement_requested')"
NOW_COUNTS = {
    "yellow_now": f"(r.colour = 'yellow' AND r.status IN {RUNNING})::int",
    "red_now": f"(r.colour = 'red' AND r.status IN {RUNNING})::int",
}
MONTH = "date_trunc('month', timezone('Asia/Shanghai', r.submitted_at))::date"
DEPARTMENT = "coalesce(r.state ->> 'implementing_department', '')"


def _now_part(rows: str, sign: str) -> str:
    columns = ", ".join(f"{sign}({e}) AS {c}" for c, e in NOW_COUNTS.items())
    return (
        f"SELECT r.tenant_id, {MONTH} AS month, {DEPARTMENT} AS department, {columns} FROM {rows} r"
    )


def _now_upsert(*parts: str) -> str:
    union = " UNION ALL ".join(f"({p})" for p in parts)
    return (
        "INSERT INTO supervision_rollup AS s (tenant_id, month, department, yellow_now, red_now)"
        f" SELECT tenant_id, month, department, sum(yellow_now), sum(red_now) FROM ({union}) d"
        " GROUP BY 1, 2, 3 HAVING sum(yellow_now) <> 0 OR sum(red_now) <> 0"
        " ON CONFLICT (tenant_id, month, department) DO UPDATE SET"
        " yellow_now = s.yellow_now + excluded.yellow_now, red_now = s.red_now + excluded.red_now"
    )


NOW_FUNCTION = f"""
CREATE FUNCTION cases_now_rollup() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  IF TG_OP = 'INSERT' THEN
    {_now_upsert(_now_part("new_rows", "+"))};
  ELSIF TG_OP = 'UPDATE' THEN
    {_now_upsert(_now_part("new_rows", "+"), _now_part("old_rows", "-"))};
  ELSE
    {_now_upsert(_now_part("old_rows", "-"))};
  END IF;
  RETURN NULL;
END
$fn$"""

#: the running yellow and red cases of the loop's tenant `t`, counted once
NOW_FILL = f"""
DO $fill$
DECLARE t bigint;
BEGIN
  FOR t IN SELECT id FROM tenants LOOP
    PERFORM set_config('yiwang.tenant_id', t::text, true);
    PERFORM set_config('yiwang.visible_tenants', '{{' || t || '}}', true);
    {
    _now_upsert(
        _now_part(
            "(SELECT * FROM cases WHERE tenant_id = t AND colour IN ('yellow', 'red')"
            f" AND status IN {RUNNING})",
            "+",
        )
    )
};
  END LOOP;
  PERFORM set_config('yiwang.tenant_id', '', true);
  PERFORM set_config('yiwang.visible_tenants', '', true);
END
$fill$"""


def _recreate(when: str, triggers: Sequence[tuple[str, str]] = INSERT_TRIGGERS) -> None:
    for table, function in triggers:
        name = (
            "cases_now_rollup_insert"
            if function == "cases_now_rollup"
            else f"{table}_rollup_insert"
        )
        op.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
        op.execute(
            f"CREATE TRIGGER {name} AFTER INSERT ON {table}"
            f" REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT {when}"
            f" EXECUTE FUNCTION {function}()"
        )


def upgrade() -> None:
    for column in NOW_COUNTS:
        op.add_column(
            "supervision_rollup",
            sa.Column(column, sa.BigInteger(), server_default=sa.text("0"), nullable=False),
        )
    op.execute(NOW_FUNCTION)
    for event, tables in (
        ("UPDATE", "OLD TABLE AS old_rows NEW TABLE AS new_rows"),
        ("DELETE", "OLD TABLE AS old_rows"),
    ):
        op.execute(
            f"CREATE TRIGGER cases_now_rollup_{event.lower()} AFTER {event} ON cases"
            f" REFERENCING {tables} FOR EACH STATEMENT EXECUTE FUNCTION cases_now_rollup()"
        )
    _recreate(f"WHEN ({DEFERRED})")  # with the new INSERT trigger of `cases_now_rollup`
    op.execute(NOW_FILL)


def downgrade() -> None:
    for table, _ in INSERT_TRIGGERS[:-1]:
        op.execute(f"DROP TRIGGER IF EXISTS {table}_rollup_insert ON {table}")
    for event in ("insert", "update", "delete"):
        op.execute(f"DROP TRIGGER IF EXISTS cases_now_rollup_{event} ON cases")
    op.execute("DROP FUNCTION IF EXISTS cases_now_rollup()")
    for column in NOW_COUNTS:
        op.drop_column("supervision_rollup", column)
    _recreate("", INSERT_TRIGGERS[:-1])
