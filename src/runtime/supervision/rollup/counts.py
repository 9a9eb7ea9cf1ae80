"""What a row adds to its `supervision_rollup` row (tenant, China month, implementing
department, '' for none), as SQL expressions over the row `r` (and, for a case, its
facts `f`); and the grouped upsert that adds a set of rows' counts.

The same expressions as the triggers of migration `0016_supervision_rollup`, which
a migration cannot import: the rollup must agree with the direct counts
(`cross_tenant_metric_rows_direct`) whichever writer counted a row, and the tests
check both writers against them.
"""

from __future__ import annotations

from typing import Final

TIME_ZONE: Final = "Asia/Shanghai"
WARNED: Final = ("deadline.yellow", "deadline.red")


def month(column: str) -> str:
    return f"date_trunc('month', timezone('{TIME_ZONE}', {column}))::date"


def day(column: str) -> str:
    return f"timezone('{TIME_ZONE}', {column})::date"


def department(case: str) -> str:
    """The rollup's department of the case row `case`."""
    return f"coalesce({case}.state ->> 'implementing_department', '')"


RUNNING: Final = ("submitted", "in_review", "supplement_requested")
_RUNNING = "r.status IN (" + ", ".join(f"'{s}'" for s in RUNNING) + ")"
_DONE = "r.status = 'completed'"
_PROMISED = f"({_DONE} AND r.promised_due IS NOT NULL)"
#: a case's counts (r: the case, f: its facts or NULLs)
CASE_COUNTS: Final = {
    "cases": "1",
    "with_facts": "(f.case_id IS NOT NULL)::int",
    "online": "coalesce(f.online, false)::int",
    "fully_online": "coalesce(f.fully_online, false)::int",
    "zero_visit": "coalesce(f.visits = 0, false)::int",
    "completed": f"({_DONE})::int",
    "on_time": f"coalesce({_PROMISED} AND {day('r.updated_at')} <= r.promised_due, false)::int",
    "handling_days": (
        f"CASE WHEN {_DONE} THEN {day('r.updated_at')} - {day('r.submitted_at')} ELSE 0 END"
    ),
    "promised_cases": f"({_PROMISED})::int",
    "promised_days": (
        f"CASE WHEN {_PROMISED} THEN r.promised_due - {day('r.submitted_at')} ELSE 0 END"
    ),
}
#: a case's running yellow / red count now, kept per tenant and department in
#: `supervision_now` (migration 0021; no month: the metrics read them whole)
NOW_COUNTS: Final = {
    "yellow_now": f"(r.colour = 'yellow' AND {_RUNNING})::int",
    "red_now": f"(r.colour = 'red' AND {_RUNNING})::int",
}
#: the cases that count in `NOW_COUNTS` (the partial index `ix_cases_running_colour`)
NOW_CASES: Final = f"r.colour IN ('yellow', 'red') AND {_RUNNING}"
#: a facts row's counts, at its case's submission month and department
FACT_COUNTS: Final = {
    "with_facts": "1",
    "online": "r.online::int",
    "fully_online": "r.fully_online::int",
    "zero_visit": "(r.visits = 0)::int",
}
EVALUATION_COUNTS: Final = {
    **{f"grade_{g}": f"(r.grade = {g})::int" for g in range(1, 6)},
    "rectified_in_time": (
        "coalesce(r.grade <= 2 AND r.rectified_at IS NOT NULL"
        f" AND {day('r.rectified_at')} <= r.rectify_due, false)::int"
    ),
}
#: the complaint rows that count (migration 0021): complaints (投诉), not questions (咨询)
COUNTED_COMPLAINT: Final = "r.kind = 'complaint'"
COMPLAINT_COUNTS: Final = {
    "complaints": "1",
    "closed": "(r.closed_at IS NOT NULL)::int",
    "closing_seconds": "coalesce(extract(epoch FROM r.closed_at - r.opened_at), 0)",
}
#: a `supervision_warning_months` row's counts (one case, colour and month)
WARNING_COUNTS: Final = {
    "yellow_period": "(r.kind = 'yellow')::int",
    "red_period": "(r.kind = 'red')::int",
}
#: a case without facts, for `CASE_COUNTS` over rows that have none yet
NO_FACTS: Final = (
    "LEFT JOIN (SELECT NULL::bigint AS case_id, NULL::boolean AS online,"
    " NULL::boolean AS fully_online, NULL::int AS visits) f ON false"
)


def added(counts: dict[str, str], source: str, month_of: str, department_of: str) -> str:
    """One grouped upsert adding the counts of the rows of `source` (a FROM clause
    naming the row `r`) to their rollup rows; groups that add nothing are left out."""
    names = list(counts)
    columns = ", ".join(f"sum({counts[c]}) AS {c}" for c in names)
    nonzero = " OR ".join(f"sum({counts[c]}) <> 0" for c in names)
    sets = ", ".join(f"{c} = s.{c} + excluded.{c}" for c in names)
    return (
        f"INSERT INTO supervision_rollup AS s (tenant_id, month, department, {', '.join(names)})"
        f" SELECT r.tenant_id, {month_of}, {department_of}, {columns} FROM {source}"
        f" GROUP BY 1, 2, 3 HAVING {nonzero}"
        f" ON CONFLICT (tenant_id, month, department) DO UPDATE SET {sets}"
    )


def now_added(source: str, department_of: str) -> str:
    """One grouped upsert adding the "now" counts of the cases of `source` (a FROM
    clause naming the case `r`) to `supervision_now`; groups that add nothing are left out."""
    names = list(NOW_COUNTS)
    columns = ", ".join(f"sum({NOW_COUNTS[c]}) AS {c}" for c in names)
    nonzero = " OR ".join(f"sum({NOW_COUNTS[c]}) <> 0" for c in names)
    sets = ", ".join(f"{c} = s.{c} + excluded.{c}" for c in names)
    return (
        f"INSERT INTO supervision_now AS s (tenant_id, department, {', '.join(names)})"
        f" SELECT r.tenant_id, {department_of}, {columns} FROM {source}"
        f" GROUP BY 1, 2 HAVING {nonzero}"
        f" ON CONFLICT (tenant_id, department) DO UPDATE SET {sets}"
    )
