"""The rollup's complaint columns count complaints (投诉) only, not questions (咨询);
yellow and red *now* move to a table of their own, one row per tenant and department.

Complaints. `0018_feedback_kind` told questions from complaints by
`supervision_complaints.kind`, but the rollup's triggers (`0016_supervision_rollup`)
went on counting every row: a question moved 投诉办结率 (complaint closure rate) and
closing time. This revision

- rewrites the two trigger functions that add complaint counts so that they read
  `kind = 'complaint'` rows only: `supervision_complaints_rollup()` (a row filed,
  closed or removed) and `cases_rollup()` (a case's department changed: its
  complaints without a department of their own move with it). Each function's
  definition as `0016` wrote it is edited in place by one exact text replacement,
  checked to occur (a definition that differs from `0016`'s stops the migration);
- recounts the rollup's complaint columns (`complaints`, `closed`,
  `closing_seconds`) from the complaints: set-based, tenant by tenant in that
  tenant's context (the tables are behind forced RLS, which binds the owner too).

The dashboard shows no question figure, so questions get no column of their own.

Now. `0019` kept `yellow_now` / `red_now` on the rollup's month rows, and the metrics
summed them over every month: at 1,000,000 cases the province read all 13,390 rollup
rows for 1,030 groups, and row-level security's filter (`tenant_id = ANY(<setting>
::bigint[]`), evaluated per row in a sequential scan, parses the 103 visible ids
once per row: 150–300 ms of the province's metrics. `supervision_now` holds one row
per tenant and department (the running cases yellow or red now); the trigger
`cases_now_rollup()` writes there, the rows are filled from the rollup's columns
(set-based, per tenant context), and the columns are dropped.

Lists. The dashboard's red and yellow lists (running cases of a colour, soonest
promise first, 20 rows) read each tenant's first keys in that order; no index had
it, so each tenant sorted all its running red cases (about 4,000 at 1,000,000 cases):
4.7 s for the province, past the 5 s bound with both lists. `ix_cases_running_colour_due`
(tenant, colour, promised day, id; running yellow or red cases only) serves them.

The downgrade drops the index, restores both trigger functions, recounts the complaints with the
questions again, and puts the now counts back on the month rows (from the cases).

Revision ID: 0021_rollup_complaints_now
Revises: 0020_inbox_order
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import context, op

revision: str = "0021_rollup_complaints_now"
down_revision: str | None = "0020_inbox_order"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: (function, as `0016` wrote it, as it is after this revision): the complaint parts'
#: filters. `0016`'s complaint rows had `WHERE true` after their case's LATERAL join,
#: and its department moves `WHERE r.department IS NULL`.
EDITS = (
    ("supervision_complaints_rollup", " ON true WHERE true", " ON true WHERE r.kind = 'complaint'"),
    (
        "cases_rollup",
        " WHERE r.department IS NULL",
        " WHERE r.department IS NULL AND r.kind = 'complaint'",
    ),
)
#: the columns recounted, and what a complaint row `r` adds to each (as in `0016`)
COMPLAINT_COUNTS = {
    "complaints": "1",
    "closed": "(r.closed_at IS NOT NULL)::int",
    "closing_seconds": "coalesce(extract(epoch FROM r.closed_at - r.opened_at), 0)",
}
MONTH = "date_trunc('month', timezone('Asia/Shanghai', r.opened_at))::date"
DEPARTMENT = "coalesce(r.department, c.state ->> 'implementing_department', '')"


def _edit(function: str, old: str, new: str) -> str:
    """Replace `old` by `new` in `function`'s definition; stop unless `old` occurs (a
    function not as expected fails loudly instead of staying as it was)."""
    return f"""
DO $edit$
DECLARE d text := pg_get_functiondef('{function}()'::regprocedure);
BEGIN
  IF position($old${old}$old$ IN d) = 0 THEN
    RAISE EXCEPTION '{function}() is not as expected';
  END IF;
  EXECUTE replace(d, $old${old}$old$, $new${new}$new$);
END
$edit$"""


def _recount(where: str) -> str:
    """The complaint columns of every rollup row, from the complaints `where` selects:
    zeroed, then one grouped upsert per tenant, in that tenant's context."""
    names = ", ".join(COMPLAINT_COUNTS)
    sums = ", ".join(f"sum({e})" for e in COMPLAINT_COUNTS.values())
    sets = ", ".join(f"{c} = excluded.{c}" for c in COMPLAINT_COUNTS)
    zero = ", ".join(f"{c} = 0" for c in COMPLAINT_COUNTS)
    nonzero = " OR ".join(f"{c} <> 0" for c in COMPLAINT_COUNTS)
    return _each_tenant(
        f"UPDATE supervision_rollup SET {zero} WHERE tenant_id = t AND ({nonzero})",
        f"INSERT INTO supervision_rollup AS s (tenant_id, month, department, {names})"
        f" SELECT r.tenant_id, {MONTH}, {DEPARTMENT}, {sums} FROM supervision_complaints r"
        " LEFT JOIN cases c ON c.tenant_id = r.tenant_id AND c.id = r.case_id"
        f" WHERE r.tenant_id = t AND {where} GROUP BY 1, 2, 3"
        f" ON CONFLICT (tenant_id, month, department) DO UPDATE SET {sets}",
    )


RUNNING = "('submitted', 'in_review', 'supplement_requested')"
NOW_COUNTS = {
    "yellow_now": f"(r.colour = 'yellow' AND r.status IN {RUNNING})::int",
    "red_now": f"(r.colour = 'red' AND r.status IN {RUNNING})::int",
}
CASE_DEPARTMENT = "coalesce(r.state ->> 'implementing_department', '')"
#: the month of a case's rollup row, where `0019` kept its now counts
CASE_MONTH = "date_trunc('month', timezone('Asia/Shanghai', r.submitted_at))::date"


def _now_function(table: str, keys: Sequence[tuple[str, str]]) -> str:
    """`cases_now_rollup()` adding the changed cases' now counts (− as they were, + as
    they are) to `table`'s rows keyed by `keys` ((column, expression over `r`))."""
    key_names = ", ".join(k for k, _ in keys)
    key_exprs = ", ".join(f"{e} AS {k}" for k, e in keys)
    names = ", ".join(NOW_COUNTS)

    def upsert(*parts: tuple[str, str]) -> str:
        union = " UNION ALL ".join(
            f"(SELECT r.tenant_id, {key_exprs}, "
            + ", ".join(f"{sign}({e}) AS {c}" for c, e in NOW_COUNTS.items())
            + f" FROM {rows} r)"
            for rows, sign in parts
        )
        return (
            f"INSERT INTO {table} AS s (tenant_id, {key_names}, {names})"
            f" SELECT tenant_id, {key_names}, sum(yellow_now), sum(red_now) FROM ({union}) d"
            f" GROUP BY 1, {', '.join(str(i + 2) for i in range(len(keys)))}"
            " HAVING sum(yellow_now) <> 0 OR sum(red_now) <> 0"
            f" ON CONFLICT (tenant_id, {key_names}) DO UPDATE SET"
            " yellow_now = s.yellow_now + excluded.yellow_now,"
            " red_now = s.red_now + excluded.red_now"
        )

    return f"""
CREATE OR REPLACE FUNCTION cases_now_rollup() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  IF TG_OP = 'INSERT' THEN
    {upsert(("new_rows", "+"))};
  ELSIF TG_OP = 'UPDATE' THEN
    {upsert(("new_rows", "+"), ("old_rows", "-"))};
  ELSE
    {upsert(("old_rows", "-"))};
  END IF;
  RETURN NULL;
END
$fn$"""


def _each_tenant(*statements: str) -> str:
    """`statements` once per tenant `t`, with that tenant's context set."""
    body = ";\n    ".join(statements)
    return f"""
DO $each$
DECLARE t bigint;
BEGIN
  FOR t IN SELECT id FROM tenants LOOP
    PERFORM set_config('yiwang.tenant_id', t::text, true);
    PERFORM set_config('yiwang.visible_tenants', '{{' || t || '}}', true);
    {body};
  END LOOP;
  PERFORM set_config('yiwang.tenant_id', '', true);
  PERFORM set_config('yiwang.visible_tenants', '', true);
END
$each$"""


def upgrade() -> None:
    for function, old, new in EDITS:
        op.execute(_edit(function, old, new))
    op.execute(_recount("r.kind = 'complaint'"))
    op.create_table(
        "supervision_now",
        sa.Column("tenant_id", sa.BigInteger(), nullable=False),
        sa.Column("department", sa.Text(), nullable=False),
        *(
            sa.Column(name, sa.BigInteger(), server_default=sa.text("0"), nullable=False)
            for name in NOW_COUNTS
        ),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], name="fk_supervision_now_tenant"),
        sa.PrimaryKeyConstraint("tenant_id", "department", name="pk_supervision_now"),
    )
    for stmt in enable_tenant_rls(
        "supervision_now", app_role(), privileges="SELECT, INSERT, UPDATE"
    ):
        op.execute(stmt)
    op.execute(_now_function("supervision_now", [("department", CASE_DEPARTMENT)]))
    op.execute(
        _each_tenant(
            "INSERT INTO supervision_now (tenant_id, department, yellow_now, red_now)"
            " SELECT tenant_id, department, sum(yellow_now), sum(red_now)"
            " FROM supervision_rollup WHERE tenant_id = t GROUP BY 1, 2"
            " HAVING sum(yellow_now) <> 0 OR sum(red_now) <> 0"
        )
    )
    for column in NOW_COUNTS:
        op.drop_column("supervision_rollup", column)
    op.execute(
        "CREATE INDEX ix_cases_running_colour_due ON cases (tenant_id, colour, promised_due, id)"
        f" WHERE colour IN ('yellow', 'red') AND status IN {RUNNING}"
    )


def downgrade() -> None:
    op.execute("DROP INDEX IF EXISTS ix_cases_running_colour_due")
    for column in NOW_COUNTS:
        op.add_column(
            "supervision_rollup",
            sa.Column(column, sa.BigInteger(), server_default=sa.text("0"), nullable=False),
        )
    op.execute(
        _now_function(
            "supervision_rollup", [("month", CASE_MONTH), ("department", CASE_DEPARTMENT)]
        )
    )
    sums = ", ".join(f"sum({e})" for e in NOW_COUNTS.values())
    op.execute(
        _each_tenant(
            "INSERT INTO supervision_rollup AS s (tenant_id, month, department, yellow_now, red_now)"
            f" SELECT r.tenant_id, {CASE_MONTH}, {CASE_DEPARTMENT}, {sums} FROM cases r"
            f" WHERE r.tenant_id = t AND r.colour IN ('yellow', 'red') AND r.status IN {RUNNING}"
            " GROUP BY 1, 2, 3"
            " ON CONFLICT (tenant_id, month, department) DO UPDATE SET"
            " yellow_now = excluded.yellow_now, red_now = excluded.red_now"
        )
    )
    for stmt in disable_tenant_rls("supervision_now"):
        op.execute(stmt)
    op.drop_table("supervision_now")
    for function, old, new in EDITS:
        op.execute(_edit(function, new, old))
    op.execute(_recount("true"))


# --- frozen helpers: a migration never imports live code, so it copies what it needs ---
def app_role() -> str:
    """The application's database role, which `yiwang db upgrade` passes in."""
    name = str(context.config.attributes.get("app_role") or "yiwang_app")
    if not name.replace("_", "").isalnum():
        raise ValueError(f"unexpected database role name {name!r}")
    return name


VISIBLE = "nullif(current_setting('yiwang.visible_tenants', true), '')::bigint[]"
ACTING = "nullif(current_setting('yiwang.tenant_id', true), '')::bigint"


def enable_tenant_rls(
    table: str, app_role: str, *, privileges: str = "SELECT, INSERT, UPDATE, DELETE"
) -> list[str]:
    """Statements that put `table` behind forced RLS and grant the app role access."""
    return [
        f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY",
        f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY",
        f"CREATE POLICY {table}_read ON {table} FOR SELECT USING (tenant_id = ANY ({VISIBLE}))",
        f"CREATE POLICY {table}_insert ON {table} FOR INSERT WITH CHECK (tenant_id = {ACTING})",
        f"CREATE POLICY {table}_update ON {table} FOR UPDATE "
        f"USING (tenant_id = {ACTING}) WITH CHECK (tenant_id = {ACTING})",
        f"CREATE POLICY {table}_delete ON {table} FOR DELETE USING (tenant_id = {ACTING})",
        f"GRANT {privileges} ON {table} TO {app_role}",
    ]


def disable_tenant_rls(table: str) -> list[str]:
    return [
        f"DROP POLICY IF EXISTS {table}_{name} ON {table}"
        for name in ("read", "insert", "update", "delete")
    ] + [
        f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY",
        f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY",
    ]
