"""Supervision (效能电子监察): what cases lack for the metrics, and 督办 orders.

- `supervision_case_facts`: per case, the facts the metrics need and the case
  does not hold: the item's power type, whether it could be done online, was
  done fully online, and how many visits it took (零跑动: none).
- `supervision_evaluations`: 好差评, one grade 1..5 per evaluation; a bad one
  (1 or 2) carries the day its rectification is due (15 working days on the
  tenant's calendar) and when it was rectified.
- `supervision_complaints`: complaints on a case or a department, and when
  each was closed.
- `supervision_orders`: 督办 orders on a case or a department, with a response
  deadline in working days; an order escalated to the next level points at
  the order it escalated.

Every table is tenant-owned and behind forced RLS with the kernel's four
policies; indexes lead with `tenant_id` and the period column, so a metric
over one tenant reads one range and over a subtree one range per tenant.
An expression index on the case's implementing department serves the
department grouping of the cross-tenant queries.

Revision ID: 0013_supervision
Revises: 0012_outbox_delivery
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import context, op

revision: str = "0013_supervision"
down_revision: str | None = "0012_outbox_delivery"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TABLES = (
    ("supervision_case_facts", "SELECT, INSERT, UPDATE"),
    ("supervision_evaluations", "SELECT, INSERT, UPDATE"),
    ("supervision_complaints", "SELECT, INSERT, UPDATE"),
    ("supervision_orders", "SELECT, INSERT, UPDATE"),
)


def _case_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["tenant_id", "case_id"], ["cases.tenant_id", "cases.id"], name=f"fk_{table}_case"
    )


def _tenant_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], name=f"fk_{table}_tenant")


def upgrade() -> None:
    role = app_role()
    ts = sa.DateTime(timezone=True)
    op.create_table(
        "supervision_case_facts",
        sa.Column("tenant_id", sa.BigInteger(), nullable=False),
        sa.Column("case_id", sa.BigInteger(), nullable=False),
        sa.Column("power_type", sa.Text(), nullable=True),
        sa.Column("online", sa.Boolean(), nullable=False),
        sa.Column("fully_online", sa.Boolean(), nullable=False),
        sa.Column("visits", sa.SmallInteger(), nullable=False),
        sa.CheckConstraint("visits >= 0", name="ck_supervision_case_facts_visits"),
        sa.CheckConstraint("online OR NOT fully_online", name="ck_supervision_case_facts_online"),
        _case_fk("supervision_case_facts"),
        sa.PrimaryKeyConstraint("tenant_id", "case_id", name="pk_supervision_case_facts"),
    )
    op.create_table(
        "supervision_evaluations",
        sa.Column("tenant_id", sa.BigInteger(), nullable=False),
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("case_id", sa.BigInteger(), nullable=False),
        sa.Column("grade", sa.SmallInteger(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False, server_default=""),
        sa.Column("at", ts, nullable=False),
        sa.Column("rectify_due", sa.Date(), nullable=True),
        sa.Column("rectified_at", ts, nullable=True),
        sa.CheckConstraint("grade BETWEEN 1 AND 5", name="ck_supervision_evaluations_grade"),
        _case_fk("supervision_evaluations"),
        sa.PrimaryKeyConstraint("tenant_id", "id", name="pk_supervision_evaluations"),
    )
    op.create_index("ix_supervision_evaluations_at", "supervision_evaluations", ["tenant_id", "at"])
    op.create_table(
        "supervision_complaints",
        sa.Column("tenant_id", sa.BigInteger(), nullable=False),
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("case_id", sa.BigInteger(), nullable=True),
        sa.Column("department", sa.Text(), nullable=True),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("opened_at", ts, nullable=False),
        sa.Column("closed_at", ts, nullable=True),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "case_id IS NOT NULL OR department IS NOT NULL",
            name="ck_supervision_complaints_target",
        ),
        _case_fk("supervision_complaints"),
        _tenant_fk("supervision_complaints"),
        sa.PrimaryKeyConstraint("tenant_id", "id", name="pk_supervision_complaints"),
    )
    op.create_index(
        "ix_supervision_complaints_opened", "supervision_complaints", ["tenant_id", "opened_at"]
    )
    op.create_table(
        "supervision_orders",
        sa.Column("tenant_id", sa.BigInteger(), nullable=False),
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("case_id", sa.BigInteger(), nullable=True),
        sa.Column("department", sa.Text(), nullable=True),
        sa.Column("issued_by", sa.Text(), nullable=False),
        sa.Column("issuer_tenant_id", sa.BigInteger(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("issued_at", ts, nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("response", sa.Text(), nullable=True),
        sa.Column("responded_by", sa.Text(), nullable=True),
        sa.Column("responded_at", ts, nullable=True),
        sa.Column("escalated_from", sa.BigInteger(), nullable=True),
        sa.Column("escalated_at", ts, nullable=True),
        sa.CheckConstraint(
            "status IN ('open','answered','escalated')", name="ck_supervision_orders_status"
        ),
        sa.Column("escalated_from_tenant_id", sa.BigInteger(), nullable=True),
        sa.CheckConstraint(
            "case_id IS NOT NULL OR department IS NOT NULL OR escalated_from IS NOT NULL",
            name="ck_supervision_orders_target",
        ),
        _case_fk("supervision_orders"),
        _tenant_fk("supervision_orders"),
        sa.PrimaryKeyConstraint("tenant_id", "id", name="pk_supervision_orders"),
    )
    op.create_index(
        "ix_supervision_orders_open_due",
        "supervision_orders",
        ["tenant_id", "due_on"],
        postgresql_where=sa.text("status = 'open'"),
    )
    op.create_index("ix_supervision_orders_case", "supervision_orders", ["tenant_id", "case_id"])
    op.create_index("ix_cases_tenant_submitted", "cases", ["tenant_id", "submitted_at"])
    op.execute(
        "CREATE INDEX ix_cases_tenant_department ON cases "
        "(tenant_id, (state ->> 'implementing_department'))"
    )
    op.create_index(
        "ix_cases_tenant_colour",
        "cases",
        ["tenant_id", "colour"],
        postgresql_where=sa.text("colour IN ('yellow','red')"),
    )
    for table, privileges in _TABLES:
        for stmt in enable_tenant_rls(table, role, privileges=privileges):
            op.execute(stmt)


def downgrade() -> None:
    op.drop_index("ix_cases_tenant_colour", table_name="cases")
    op.execute("DROP INDEX IF EXISTS ix_cases_tenant_department")
    op.drop_index("ix_cases_tenant_submitted", table_name="cases")
    for table, _ in reversed(_TABLES):
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
