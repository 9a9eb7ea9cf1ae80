"""One statement-level trigger per table and event for the rollups, and no statement
run for rows that change no count.

Every application opens a case with one statement (a case row, its events, outbox
rows and tasks), and PostgreSQL then ran four AFTER triggers, each a plpgsql call
with its own statements, while the day's case counter stayed locked (its serial is
taken at the statement's start and held to commit, so everything after it is the
part of an application that other submitters queue behind): `cases_rollup_insert`,
`cases_now_rollup_insert` (`0019`, `0021`), `case_outbox_rollup_insert` (`0016`) and
`case_outbox_webhooks` (`0014`). Two of them wrote nothing for a new case but still
ran their statements: a new case is neither yellow nor red, and an opening writes no
`deadline.*` outbox row.

- `cases`: the now counts (`supervision_now`, once `cases_now_rollup()`) are added by
  `cases_rollup()` itself, after its own counts, and only when a changed row is a
  running yellow or red case as it was or as it is (otherwise every sum is zero and
  the upsert wrote nothing anyway). `cases_rollup()`'s definition is edited in place
  by one exact text insertion before its closing `RETURN NULL`, checked to occur once
  (as `0021` edits it); the three `cases_now_rollup_*` triggers and their function go.
- `case_outbox`: one INSERT trigger, `case_outbox_insert`, runs `case_outbox_inserted()`:
  the warning months and their rollup counts of `case_outbox_rollup()` (unless the
  transaction defers the rollup, as `0019`'s `WHEN` did, and only when a new row is a
  `deadline.*` warning), then the webhook fan-out of `yiwang_webhook_fan_out()`
  (always, as before). The two triggers and their functions go.

The counts are the same: `yiwang supervision rebuild-rollup` and the rollup's tests
check them against the raw rows. The downgrade puts back the functions and triggers
as `0021` left them.

Revision ID: 0029_rollup_fold
Revises: 0028_legal_agents
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0029_rollup_fold"
down_revision: str | None = "0028_legal_agents"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DEFERRED = "current_setting('yiwang.rollup_deferred', true) IS DISTINCT FROM 'on'"
RUNNING = "('submitted', 'in_review', 'supplement_requested')"
#: a case row `r` that counts in `supervision_now`
WARM = f"r.colour IN ('yellow', 'red') AND r.status IN {RUNNING}"
NOW_COUNTS = {
    "yellow_now": f"(r.colour = 'yellow' AND r.status IN {RUNNING})::int",
    "red_now": f"(r.colour = 'red' AND r.status IN {RUNNING})::int",
}
DEPARTMENT = "coalesce(r.state ->> 'implementing_department', '')"


def _now_upsert(*parts: tuple[str, str]) -> str:
    """The changed cases' now counts (`rows`, `sign`) added to `supervision_now`, as
    `0021`'s `cases_now_rollup()` added them."""
    union = " UNION ALL ".join(
        f"(SELECT r.tenant_id, {DEPARTMENT} AS department, "
        + ", ".join(f"{sign}({e}) AS {c}" for c, e in NOW_COUNTS.items())
        + f" FROM {rows} r)"
        for rows, sign in parts
    )
    return (
        "INSERT INTO supervision_now AS s (tenant_id, department, yellow_now, red_now)"
        f" SELECT tenant_id, department, sum(yellow_now), sum(red_now) FROM ({union}) d"
        " GROUP BY 1, 2 HAVING sum(yellow_now) <> 0 OR sum(red_now) <> 0"
        " ON CONFLICT (tenant_id, department) DO UPDATE SET"
        " yellow_now = s.yellow_now + excluded.yellow_now,"
        " red_now = s.red_now + excluded.red_now"
    )


def _warm(rows: str) -> str:
    return f"EXISTS (SELECT 1 FROM {rows} r WHERE {WARM})"


#: `cases_rollup()`'s end as `0016` wrote it, and with the now counts before it
CLOSING = "\n  RETURN NULL;\nEND"
NOW_BLOCK = f"""
  IF TG_OP = 'INSERT' THEN
    IF {_warm("new_rows")} THEN
      {_now_upsert(("new_rows", "+"))};
    END IF;
  ELSIF TG_OP = 'UPDATE' THEN
    IF {_warm("new_rows")} OR {_warm("old_rows")} THEN
      {_now_upsert(("new_rows", "+"), ("old_rows", "-"))};
    END IF;
  ELSIF {_warm("old_rows")} THEN
    {_now_upsert(("old_rows", "-"))};
  END IF;"""


def _edit(function: str, old: str, new: str) -> str:
    """Replace `old` by `new` in `function`'s definition; stop unless `old` occurs
    exactly once (a function not as expected fails loudly instead of staying as it was)."""
    return f"""
DO $edit$
DECLARE d text := pg_get_functiondef('{function}()'::regprocedure);
BEGIN
  IF (length(d) - length(replace(d, $old${old}$old$, ''))) <> length($old${old}$old$) THEN
    RAISE EXCEPTION '{function}() is not as expected';
  END IF;
  EXECUTE replace(d, $old${old}$old$, $new${new}$new$);
END
$edit$"""


_WARNED = "kind IN ('deadline.yellow', 'deadline.red')"
_MONTH = "date_trunc('month', timezone('Asia/Shanghai', created_at))::date"
#: `0016`'s `case_outbox_rollup()` statements: a `deadline.*` row counts once per
#: case, colour and month
WARNINGS = f"""
  WITH w AS (
    SELECT DISTINCT tenant_id, case_id, substr(kind, 10) AS kind, {_MONTH} AS month
    FROM new_rows WHERE {_WARNED}
  ), ins AS (
    INSERT INTO supervision_warning_months AS x (tenant_id, case_id, kind, month)
    SELECT tenant_id, case_id, kind, month FROM w
    ON CONFLICT DO NOTHING
    RETURNING x.tenant_id, x.case_id, x.kind, x.month
  )
  INSERT INTO supervision_rollup AS s (tenant_id, month, department, yellow_period, red_period)
  SELECT i.tenant_id, i.month, coalesce(c.state ->> 'implementing_department', ''),
         count(*) FILTER (WHERE i.kind = 'yellow'), count(*) FILTER (WHERE i.kind = 'red')
  FROM ins i JOIN LATERAL (SELECT c.state, c.submitted_at FROM cases c
    WHERE c.tenant_id = i.tenant_id AND c.id = i.case_id OFFSET 0) c ON true
  GROUP BY 1, 2, 3
  ON CONFLICT (tenant_id, month, department) DO UPDATE SET
    yellow_period = s.yellow_period + excluded.yellow_period,
    red_period = s.red_period + excluded.red_period;
  UPDATE supervision_warning_months w SET repeated = true
  FROM (
    SELECT n.tenant_id, n.case_id, n.kind FROM (
      SELECT DISTINCT tenant_id, case_id, substr(kind, 10) AS kind FROM new_rows WHERE {_WARNED}
    ) n CROSS JOIN LATERAL (
      SELECT count(*) AS months FROM supervision_warning_months m
      WHERE m.tenant_id = n.tenant_id AND m.case_id = n.case_id AND m.kind = n.kind OFFSET 0
    ) k
    WHERE k.months > 1
  ) many
  WHERE w.tenant_id = many.tenant_id AND w.case_id = many.case_id AND w.kind = many.kind
    AND NOT w.repeated;"""
#: `0014`'s `yiwang_webhook_fan_out()` statement: a delivery per matching subscriber
FAN_OUT = """
  INSERT INTO webhook_deliveries (tenant_id, subscriber_id, outbox_id)
  SELECT o.tenant_id, s.id, o.id
  FROM new_rows o
  JOIN webhook_subscribers s ON s.tenant_id = o.tenant_id AND s.active
  WHERE o.kind = ANY (s.kinds)
     OR EXISTS (SELECT 1 FROM unnest(s.kinds) AS k(pattern)
                WHERE right(k.pattern, 2) = '.*'
                  AND starts_with(o.kind, left(k.pattern, -1)));"""

OUTBOX_INSERTED = f"""
CREATE FUNCTION case_outbox_inserted() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  IF {DEFERRED} AND EXISTS (SELECT 1 FROM new_rows WHERE {_WARNED}) THEN
{WARNINGS}
  END IF;
{FAN_OUT}
  RETURN NULL;
END
$fn$"""


def _function(name: str, body: str) -> str:
    return (
        f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $fn$\nBEGIN\n"
        f"{body}\n  RETURN NULL;\nEND\n$fn$"
    )


def _outbox_trigger(name: str, function: str, when: str = "") -> str:
    return (
        f"CREATE TRIGGER {name} AFTER INSERT ON case_outbox"
        f" REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT {when}"
        f" EXECUTE FUNCTION {function}()"
    )


def upgrade() -> None:
    op.execute(_edit("cases_rollup", CLOSING, NOW_BLOCK + CLOSING))
    for event in ("insert", "update", "delete"):
        op.execute(f"DROP TRIGGER cases_now_rollup_{event} ON cases")
    op.execute("DROP FUNCTION cases_now_rollup()")
    op.execute(OUTBOX_INSERTED)
    op.execute("DROP TRIGGER case_outbox_rollup_insert ON case_outbox")
    op.execute("DROP TRIGGER case_outbox_webhooks ON case_outbox")
    op.execute(_outbox_trigger("case_outbox_insert", "case_outbox_inserted"))
    op.execute("DROP FUNCTION case_outbox_rollup()")
    op.execute("DROP FUNCTION yiwang_webhook_fan_out()")


def downgrade() -> None:
    op.execute(_function("yiwang_webhook_fan_out", FAN_OUT))
    op.execute(_function("case_outbox_rollup", WARNINGS))
    op.execute("DROP TRIGGER case_outbox_insert ON case_outbox")
    op.execute("DROP FUNCTION case_outbox_inserted()")
    op.execute(_outbox_trigger("case_outbox_webhooks", "yiwang_webhook_fan_out"))
    op.execute(
        _outbox_trigger("case_outbox_rollup_insert", "case_outbox_rollup", f"WHEN ({DEFERRED})")
    )
    op.execute(
        _function(
            "cases_now_rollup",
            f"""  IF TG_OP = 'INSERT' THEN
    {_now_upsert(("new_rows", "+"))};
  ELSIF TG_OP = 'UPDATE' THEN
    {_now_upsert(("new_rows", "+"), ("old_rows", "-"))};
  ELSE
    {_now_upsert(("old_rows", "-"))};
  END IF;""",
        )
    )
    for event, tables, when in (
        ("INSERT", "NEW TABLE AS new_rows", f"WHEN ({DEFERRED})"),
        ("UPDATE", "OLD TABLE AS old_rows NEW TABLE AS new_rows", ""),
        ("DELETE", "OLD TABLE AS old_rows", ""),
    ):
        op.execute(
            f"CREATE TRIGGER cases_now_rollup_{event.lower()} AFTER {event} ON cases"
            f" REFERENCING {tables} FOR EACH STATEMENT {when} EXECUTE FUNCTION cases_now_rollup()"
        )
    op.execute(_edit("cases_rollup", NOW_BLOCK + CLOSING, CLOSING))
