"""Supervision rollup: the metrics' counts per (tenant, department, month), kept
exact by triggers in the transaction of every write that changes them.

- `supervision_rollup`: per tenant, implementing department ('' for none) and
  China month, the sums `metrics.py` folds: cases submitted in the month, those
  with facts, online, fully online, zero visits, completed, on time, handling and
  promised days; yellow and red warnings raised in the month (distinct cases);
  complaints opened in the month, closed, closing seconds; evaluations given in
  the month by grade, bad ones rectified in time.
- `supervision_warning_months`: one row per (case, colour, month) with a
  `deadline.*` warning: it makes the month's count distinct, and `repeated`
  marks the rare cases warned in more than one month, which a period of several
  months counts once (the read subtracts the repeats).

Why triggers, not the repositories' statements: the rows come from several
writers (the cases engine and its sweep, supervision's feedback, the seeder's
bulk `INSERT … SELECT`), and a trigger counts every one of them in the same
transaction whatever wrote it. They are statement-level with transition
tables: a bulk insert of 20,000 cases is one grouped upsert, and an update that
changes no count (most of the engine's) writes nothing (`HAVING` drops groups
whose sums are all zero). They run as the invoker, so the rollup's rows pass
the same forced RLS as the rows that changed them.

Indexes for the reads: running yellow/red cases by tenant, colour and
department (the "now" counts), and the cross-tenant page's per-tenant order on
colour then newest first.

Revision ID: 0016_supervision_rollup
Revises: 0015_record_set_versions
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import sqlalchemy as sa
from alembic import context, op

revision: str = "0016_supervision_rollup"
down_revision: str | None = "0015_record_set_versions"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COUNTERS = (
    "cases",
    "with_facts",
    "online",
    "fully_online",
    "zero_visit",
    "completed",
    "on_time",
    "handling_days",
    "promised_cases",
    "promised_days",
    "yellow_period",
    "red_period",
    "complaints",
    "closed",
    "closing_seconds",
    "grade_1",
    "grade_2",
    "grade_3",
    "grade_4",
    "grade_5",
    "rectified_in_time",
)


def _month(column: str) -> str:
    return f"date_trunc('month', timezone('Asia/Shanghai', {column}))::date"


def _day(column: str) -> str:
    return f"timezone('Asia/Shanghai', {column})::date"


def _dept(case: str) -> str:
    return f"coalesce({case}.state ->> 'implementing_department', '')"


_DONE = "r.status = 'completed'"
_PROMISED = f"({_DONE} AND r.promised_due IS NOT NULL)"
#: a case's counts (r: the case, f: its facts or NULLs)
CASE_COUNTS = {
    "cases": "1",
    "with_facts": "(f.case_id IS NOT NULL)::int",
    "online": "coalesce(f.online, false)::int",
    "fully_online": "coalesce(f.fully_online, false)::int",
    "zero_visit": "coalesce(f.visits = 0, false)::int",
    "completed": f"({_DONE})::int",
    "on_time": f"coalesce({_PROMISED} AND {_day('r.updated_at')} <= r.promised_due, false)::int",
    "handling_days": (
        f"CASE WHEN {_DONE} THEN {_day('r.updated_at')} - {_day('r.submitted_at')} ELSE 0 END"
    ),
    "promised_cases": f"({_PROMISED})::int",
    "promised_days": (
        f"CASE WHEN {_PROMISED} THEN r.promised_due - {_day('r.submitted_at')} ELSE 0 END"
    ),
}
#: facts' counts (r: the facts row), at their case's submission month and department
FACT_COUNTS = {
    "with_facts": "1",
    "online": "r.online::int",
    "fully_online": "r.fully_online::int",
    "zero_visit": "(r.visits = 0)::int",
}
EVALUATION_COUNTS = {
    **{f"grade_{g}": f"(r.grade = {g})::int" for g in range(1, 6)},
    "rectified_in_time": (
        "coalesce(r.grade <= 2 AND r.rectified_at IS NOT NULL"
        f" AND {_day('r.rectified_at')} <= r.rectify_due, false)::int"
    ),
}
COMPLAINT_COUNTS = {
    "complaints": "1",
    "closed": "(r.closed_at IS NOT NULL)::int",
    "closing_seconds": "coalesce(extract(epoch FROM r.closed_at - r.opened_at), 0)",
}


def _part(
    counts: dict[str, str], source: str, month: str, dept: str, sign: str, where: str = "true"
) -> str:
    columns = ", ".join(f"{sign}({counts[c]}) AS {c}" for c in counts)
    return (
        f"SELECT r.tenant_id, {month} AS month, {dept} AS department, {columns}"
        f" FROM {source} WHERE {where}"
    )


def _upsert(counts: dict[str, str], parts: list[str]) -> str:
    """One grouped upsert of the signed parts; groups whose sums are all zero are left out."""
    names = list(counts)
    sums = ", ".join(f"sum({c})" for c in names)
    nonzero = " OR ".join(f"sum({c}) <> 0" for c in names)
    sets = ", ".join(f"{c} = s.{c} + excluded.{c}" for c in names)
    union = " UNION ALL ".join(f"({p})" for p in parts)
    return (
        f"INSERT INTO supervision_rollup AS s (tenant_id, month, department, {', '.join(names)})"
        f" SELECT tenant_id, month, department, {sums} FROM ({union}) d"
        f" GROUP BY tenant_id, month, department HAVING {nonzero}"
        f" ON CONFLICT (tenant_id, month, department) DO UPDATE SET {sets}"
    )


#: Every lookup from the changed rows into a large table is a LATERAL subquery that
#: cannot be flattened (`OFFSET 0`): one primary-key probe per changed row, whatever
#: the planner guesses of a transition table's size (a hash or nested loop over a
#: transition table against the whole table made a seeded batch quadratic).
def _case_source(rows: str) -> str:
    return (
        f"{rows} r LEFT JOIN LATERAL (SELECT f.case_id, f.online, f.fully_online, f.visits"
        " FROM supervision_case_facts f WHERE f.tenant_id = r.tenant_id AND f.case_id = r.id"
        " OFFSET 0) f ON true"
    )


def _case_of(alias: str) -> str:
    """The case of the row `alias` (its `tenant_id`, `case_id`) as `c`."""
    return (
        "LATERAL (SELECT c.state, c.submitted_at FROM cases c"
        f" WHERE c.tenant_id = {alias}.tenant_id AND c.id = {alias}.case_id OFFSET 0) c"
    )


def _of_case(rows: str, outer: bool = False) -> str:
    join = "LEFT JOIN" if outer else "JOIN"
    return f"{rows} r {join} {_case_of('r')} ON true"


def _cases_part(rows: str, sign: str) -> str:
    return _part(CASE_COUNTS, _case_source(rows), _month("r.submitted_at"), _dept("r"), sign)


def _facts_part(rows: str, sign: str) -> str:
    return _part(FACT_COUNTS, _of_case(rows), _month("c.submitted_at"), _dept("c"), sign)


def _evaluations_part(rows: str, sign: str) -> str:
    return _part(EVALUATION_COUNTS, _of_case(rows), _month("r.at"), _dept("c"), sign)


def _complaints_part(rows: str, sign: str) -> str:
    dept = "coalesce(r.department, c.state ->> 'implementing_department', '')"
    return _part(COMPLAINT_COUNTS, _of_case(rows, outer=True), _month("r.opened_at"), dept, sign)


def _by_op(table: str, counts: dict[str, str], make: Callable[[str, str], str]) -> str:
    """The trigger function of `table`: the rows inserted count +, deleted −, updated
    − as they were and + as they are."""
    insert = _upsert(counts, [make("new_rows", "+")])
    update = _upsert(counts, [make("new_rows", "+"), make("old_rows", "-")])
    delete = _upsert(counts, [make("old_rows", "-")])
    return f"""
CREATE FUNCTION {table}_rollup() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  IF TG_OP = 'INSERT' THEN
    {insert};
  ELSIF TG_OP = 'UPDATE' THEN
    {update};
  ELSE
    {delete};
  END IF;
  RETURN NULL;
END
$fn$"""


def _moves() -> str:
    """A case whose department changed takes its evaluations', complaints' (those
    without a department of their own) and warnings' counts along."""
    moved = (
        "SELECT n.tenant_id, n.id, "
        f"{_dept('o')} AS old_d, {_dept('n')} AS new_d FROM old_rows o"
        " JOIN new_rows n ON n.tenant_id = o.tenant_id AND n.id = o.id"
        f" WHERE {_dept('o')} <> {_dept('n')}"
    )
    src = "{t} r JOIN moved m ON m.tenant_id = r.tenant_id AND m.id = r.case_id"
    evaluation = _upsert(
        EVALUATION_COUNTS,
        [
            _part(
                EVALUATION_COUNTS,
                src.format(t="supervision_evaluations"),
                _month("r.at"),
                "m.new_d",
                "+",
            ),
            _part(
                EVALUATION_COUNTS,
                src.format(t="supervision_evaluations"),
                _month("r.at"),
                "m.old_d",
                "-",
            ),
        ],
    )
    complaint = _upsert(
        COMPLAINT_COUNTS,
        [
            _part(
                COMPLAINT_COUNTS,
                src.format(t="supervision_complaints"),
                _month("r.opened_at"),
                "m.new_d",
                "+",
                "r.department IS NULL",
            ),
            _part(
                COMPLAINT_COUNTS,
                src.format(t="supervision_complaints"),
                _month("r.opened_at"),
                "m.old_d",
                "-",
                "r.department IS NULL",
            ),
        ],
    )
    warning_counts = {
        "yellow_period": "(r.kind = 'yellow')::int",
        "red_period": "(r.kind = 'red')::int",
    }
    warning = _upsert(
        warning_counts,
        [
            _part(
                warning_counts,
                src.format(t="supervision_warning_months"),
                "r.month",
                "m.new_d",
                "+",
            ),
            _part(
                warning_counts,
                src.format(t="supervision_warning_months"),
                "r.month",
                "m.old_d",
                "-",
            ),
        ],
    )
    return "\n".join(
        f"    WITH moved AS ({moved}) {stmt};" for stmt in (evaluation, complaint, warning)
    )


def _cases_function() -> str:
    insert = _upsert(CASE_COUNTS, [_cases_part("new_rows", "+")])
    update = _upsert(CASE_COUNTS, [_cases_part("new_rows", "+"), _cases_part("old_rows", "-")])
    delete = _upsert(CASE_COUNTS, [_cases_part("old_rows", "-")])
    changed_department = (
        "SELECT 1 FROM old_rows o JOIN new_rows n ON n.tenant_id = o.tenant_id AND n.id = o.id"
        f" WHERE {_dept('o')} <> {_dept('n')}"
    )
    return f"""
CREATE FUNCTION cases_rollup() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  IF TG_OP = 'INSERT' THEN
    {insert};
  ELSIF TG_OP = 'UPDATE' THEN
    {update};
    IF EXISTS ({changed_department}) THEN
{_moves()}
    END IF;
  ELSE
    {delete};
  END IF;
  RETURN NULL;
END
$fn$"""


_WARNED = "kind IN ('deadline.yellow', 'deadline.red')"


def _outbox_function() -> str:
    """A `deadline.*` row counts once per case, colour and month."""
    return f"""
CREATE FUNCTION case_outbox_rollup() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  WITH w AS (
    SELECT DISTINCT tenant_id, case_id, substr(kind, 10) AS kind,
           {_month("created_at")} AS month
    FROM new_rows WHERE {_WARNED}
  ), ins AS (
    INSERT INTO supervision_warning_months AS x (tenant_id, case_id, kind, month)
    SELECT tenant_id, case_id, kind, month FROM w
    ON CONFLICT DO NOTHING
    RETURNING x.tenant_id, x.case_id, x.kind, x.month
  )
  INSERT INTO supervision_rollup AS s (tenant_id, month, department, yellow_period, red_period)
  SELECT i.tenant_id, i.month, {_dept("c")},
         count(*) FILTER (WHERE i.kind = 'yellow'), count(*) FILTER (WHERE i.kind = 'red')
  FROM ins i JOIN {_case_of("i")} ON true
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
    AND NOT w.repeated;
  RETURN NULL;
END
$fn$"""


def _outbox_delete_function() -> str:
    """The application never deletes outbox rows; an administrator's cleanup does, and
    a month's warning then counts only while a row of it is left."""
    same_month = (
        "o.tenant_id = g.tenant_id AND o.case_id = g.case_id AND o.kind = 'deadline.' || g.kind"
        f" AND {_month('o.created_at')} = g.month"
    )
    return f"""
CREATE FUNCTION case_outbox_rollup_delete() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  WITH g AS (
    SELECT DISTINCT tenant_id, case_id, substr(kind, 10) AS kind,
           {_month("created_at")} AS month
    FROM old_rows WHERE {_WARNED}
  ), dead AS (
    DELETE FROM supervision_warning_months w USING g
    WHERE w.tenant_id = g.tenant_id AND w.case_id = g.case_id AND w.kind = g.kind
      AND w.month = g.month
      AND NOT EXISTS (SELECT 1 FROM case_outbox o WHERE {same_month})
    RETURNING w.tenant_id, w.case_id, w.kind, w.month
  )
  INSERT INTO supervision_rollup AS s (tenant_id, month, department, yellow_period, red_period)
  SELECT d.tenant_id, d.month, {_dept("c")},
         -count(*) FILTER (WHERE d.kind = 'yellow'), -count(*) FILTER (WHERE d.kind = 'red')
  FROM dead d JOIN {_case_of("d")} ON true
  GROUP BY 1, 2, 3
  ON CONFLICT (tenant_id, month, department) DO UPDATE SET
    yellow_period = s.yellow_period + excluded.yellow_period,
    red_period = s.red_period + excluded.red_period;
  RETURN NULL;
END
$fn$"""


_TRIGGERS = (
    ("cases", "cases_rollup"),
    ("supervision_case_facts", "supervision_case_facts_rollup"),
    ("supervision_evaluations", "supervision_evaluations_rollup"),
    ("supervision_complaints", "supervision_complaints_rollup"),
)


def upgrade() -> None:
    role = app_role()
    op.create_table(
        "supervision_rollup",
        sa.Column("tenant_id", sa.BigInteger(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("department", sa.Text(), nullable=False),
        *(
            sa.Column(
                name,
                sa.Numeric() if name == "closing_seconds" else sa.BigInteger(),
                server_default=sa.text("0"),
                nullable=False,
            )
            for name in COUNTERS
        ),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], name="fk_supervision_rollup_tenant"),
        sa.PrimaryKeyConstraint("tenant_id", "month", "department", name="pk_supervision_rollup"),
    )
    op.create_table(
        "supervision_warning_months",
        sa.Column("tenant_id", sa.BigInteger(), nullable=False),
        sa.Column("case_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("repeated", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.CheckConstraint("kind IN ('yellow', 'red')", name="ck_supervision_warning_months_kind"),
        sa.ForeignKeyConstraint(
            ["tenant_id", "case_id"],
            ["cases.tenant_id", "cases.id"],
            name="fk_supervision_warning_months_case",
        ),
        sa.PrimaryKeyConstraint(
            "tenant_id", "case_id", "kind", "month", name="pk_supervision_warning_months"
        ),
    )
    op.create_index(
        "ix_supervision_warning_months_repeated",
        "supervision_warning_months",
        ["tenant_id", "month"],
        postgresql_where=sa.text("repeated"),
    )
    for table in ("supervision_rollup", "supervision_warning_months"):
        for stmt in enable_tenant_rls(table, role, privileges="SELECT, INSERT, UPDATE"):
            op.execute(stmt)
    op.execute(_cases_function())
    op.execute(_by_op("supervision_case_facts", FACT_COUNTS, _facts_part))
    op.execute(_by_op("supervision_evaluations", EVALUATION_COUNTS, _evaluations_part))
    op.execute(_by_op("supervision_complaints", COMPLAINT_COUNTS, _complaints_part))
    op.execute(_outbox_function())
    op.execute(_outbox_delete_function())
    for table, function in _TRIGGERS:
        for event, tables in (
            ("INSERT", "NEW TABLE AS new_rows"),
            ("UPDATE", "OLD TABLE AS old_rows NEW TABLE AS new_rows"),
            ("DELETE", "OLD TABLE AS old_rows"),
        ):
            op.execute(
                f"CREATE TRIGGER {table}_rollup_{event.lower()} AFTER {event} ON {table}"
                f" REFERENCING {tables} FOR EACH STATEMENT EXECUTE FUNCTION {function}()"
            )
    op.execute(
        "CREATE TRIGGER case_outbox_rollup_insert AFTER INSERT ON case_outbox"
        " REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT"
        " EXECUTE FUNCTION case_outbox_rollup()"
    )
    op.execute(
        "CREATE TRIGGER case_outbox_rollup_delete AFTER DELETE ON case_outbox"
        " REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT"
        " EXECUTE FUNCTION case_outbox_rollup_delete()"
    )
    _fill()
    # the "now" counts: running yellow and red cases by tenant, colour, department
    op.execute(
        "CREATE INDEX ix_cases_running_colour ON cases"
        " (tenant_id, colour, (state ->> 'implementing_department'))"
        " WHERE colour IN ('yellow', 'red')"
        " AND status IN ('submitted', 'in_review', 'supplement_requested')"
    )
    # the cross-tenant page's default order within a colour: newest first
    op.execute(
        "CREATE INDEX ix_cases_tenant_colour_submitted ON cases"
        " (tenant_id, colour, submitted_at DESC, id DESC, status)"
    )
    op.execute(
        "CREATE INDEX ix_cases_tenant_submitted_id ON cases (tenant_id, submitted_at DESC, id DESC)"
    )


def _own(table: str) -> str:
    """The rows of the loop's tenant `t` (on the index, not the policy's filter alone)."""
    return f"(SELECT * FROM {table} WHERE tenant_id = t)"


def _fill() -> None:
    """Existing rows, counted once as if just inserted: tenant by tenant in its own
    scope, as the forced RLS wants it of the owner too."""
    warning_counts = {
        "yellow_period": "(r.kind = 'yellow')::int",
        "red_period": "(r.kind = 'red')::int",
    }
    statements = [
        "INSERT INTO supervision_warning_months (tenant_id, case_id, kind, month)"
        f" SELECT DISTINCT tenant_id, case_id, substr(kind, 10), {_month('created_at')}"
        f" FROM case_outbox WHERE tenant_id = t AND {_WARNED}",
        "UPDATE supervision_warning_months w SET repeated = true FROM ("
        " SELECT tenant_id, case_id, kind FROM supervision_warning_months"
        " WHERE tenant_id = t GROUP BY 1, 2, 3 HAVING count(*) > 1) many"
        " WHERE w.tenant_id = many.tenant_id AND w.case_id = many.case_id"
        " AND w.kind = many.kind",
        _upsert(
            CASE_COUNTS,
            [
                _part(
                    CASE_COUNTS,
                    _case_source(_own("cases")),
                    _month("r.submitted_at"),
                    _dept("r"),
                    "+",
                )
            ],
        ),
        _upsert(FACT_COUNTS, [_facts_part(_own("supervision_case_facts"), "+")]),
        _upsert(EVALUATION_COUNTS, [_evaluations_part(_own("supervision_evaluations"), "+")]),
        _upsert(COMPLAINT_COUNTS, [_complaints_part(_own("supervision_complaints"), "+")]),
        _upsert(
            warning_counts,
            [
                _part(
                    warning_counts,
                    _of_case(_own("supervision_warning_months")),
                    "r.month",
                    _dept("c"),
                    "+",
                )
            ],
        ),
    ]
    body = ";\n    ".join(statements)
    op.execute(
        f"""
DO $fill$
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
$fill$"""
    )


def downgrade() -> None:
    op.execute("DROP INDEX IF EXISTS ix_cases_tenant_submitted_id")
    op.execute("DROP INDEX IF EXISTS ix_cases_tenant_colour_submitted")
    op.execute("DROP INDEX IF EXISTS ix_cases_running_colour")
    op.execute("DROP TRIGGER IF EXISTS case_outbox_rollup_delete ON case_outbox")
    op.execute("DROP TRIGGER IF EXISTS case_outbox_rollup_insert ON case_outbox")
    for table, function in _TRIGGERS:
        for event in ("insert", "update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS {table}_rollup_{event} ON {table}")
        op.execute(f"DROP FUNCTION IF EXISTS {function}()")
    op.execute("DROP FUNCTION IF EXISTS case_outbox_rollup_delete()")
    op.execute("DROP FUNCTION IF EXISTS case_outbox_rollup()")
    for table in ("supervision_warning_months", "supervision_rollup"):
        for stmt in disable_tenant_rls(table):
            op.execute(stmt)
        op.drop_table(table)


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
