"""Row-level-security DDL for tenant-owned tables: the second wall behind Casbin.

Policies read the transaction-local settings of `yiwang.platform.tenant_context`
through `nullif(current_setting(name, true), '')`: a pooled connection that
served another tenant reads a reset setting back as '' rather than NULL, and
an unguarded cast would then fail or, worse, match. Visibility is
`tenant_id = ANY(<visible ids>)`, never a path prefix: ids survive a
reorganisation of the divisions.

Each setting is read in a scalar subquery, so PostgreSQL evaluates it once per
statement (an InitPlan) instead of once per row: a bare `current_setting(...)::bigint[]`
in a policy parses the whole list of visible ids for every row a scan or a rescan
meets, which made a province-wide count over 500,000 rows 20 times slower
(`bench/rls_policy.py`, migration `0023_rls_once_per_statement`). The price is that
the planner no longer sees how many ids the scope holds when it estimates rows.
"""

from __future__ import annotations

from yiwang.platform.tenant_context import ACTING_TENANT_SETTING, VISIBLE_TENANTS_SETTING

VISIBLE = (
    f"(SELECT nullif(current_setting('{VISIBLE_TENANTS_SETTING}', true), '')::bigint[])::bigint[]"
)
ACTING = f"(SELECT nullif(current_setting('{ACTING_TENANT_SETTING}', true), '')::bigint)"


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


def audit_read_policy(app_role: str) -> list[str]:
    """The audit chain is written only by its SECURITY DEFINER function, so RLS on it is
    enabled but not forced (the owner's functions see the whole chain), and the app role
    reads only the rows of tenants in its scope."""
    return [
        "ALTER TABLE audit_log ENABLE ROW LEVEL SECURITY",
        f"CREATE POLICY audit_log_read ON audit_log FOR SELECT TO {app_role} "
        f"USING (tenant_id = ANY ({VISIBLE}))",
    ]
