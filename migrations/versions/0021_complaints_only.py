"""The rollup's complaint columns count complaints (投诉) only, not questions (咨询).

`0018_feedback_kind` told questions from complaints by `supervision_complaints.kind`,
but the rollup's triggers (`0016_supervision_rollup`) went on counting every row:
a question moved 投诉办结率 (complaint closure rate) and closing time. This revision

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
The downgrade restores both functions and recounts with the questions again.

Revision ID: 0021_complaints_only
Revises: 0020_inbox_order
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0021_complaints_only"
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
    return f"""
DO $fill$
DECLARE t bigint;
BEGIN
  FOR t IN SELECT id FROM tenants LOOP
    PERFORM set_config('yiwang.tenant_id', t::text, true);
    PERFORM set_config('yiwang.visible_tenants', '{{' || t || '}}', true);
    UPDATE supervision_rollup SET {zero} WHERE tenant_id = t AND ({nonzero});
    INSERT INTO supervision_rollup AS s (tenant_id, month, department, {names})
    SELECT r.tenant_id, {MONTH}, {DEPARTMENT}, {sums}
    FROM supervision_complaints r
    LEFT JOIN cases c ON c.tenant_id = r.tenant_id AND c.id = r.case_id
    WHERE r.tenant_id = t AND {where}
    GROUP BY 1, 2, 3
    ON CONFLICT (tenant_id, month, department) DO UPDATE SET {sets};
  END LOOP;
  PERFORM set_config('yiwang.tenant_id', '', true);
  PERFORM set_config('yiwang.visible_tenants', '', true);
END
$fill$"""


def upgrade() -> None:
    for function, old, new in EDITS:
        op.execute(_edit(function, old, new))
    op.execute(_recount("r.kind = 'complaint'"))


def downgrade() -> None:
    for function, old, new in EDITS:
        op.execute(_edit(function, new, old))
    op.execute(_recount("true"))
