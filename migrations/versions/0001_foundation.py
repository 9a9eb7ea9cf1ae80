"""Foundation: tenant registry, departments, calendars, the audit chain, row-level security.

Revision ID: 0001_foundation
Revises:
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import context, op
from sqlalchemy.dialects import postgresql

revision: str = "0001_foundation"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _timestamps() -> list[sa.Column]:  # type: ignore[type-arg]
    return [
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
    ]


def upgrade() -> None:
    role = app_role()
    op.create_table(
        "tenants",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("code", sa.String(6), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("level", sa.Text(), nullable=False),
        sa.Column("parent_id", sa.BigInteger(), nullable=True),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("depth", sa.Integer(), nullable=False),
        sa.Column("status", sa.Text(), server_default=sa.text("'active'"), nullable=False),
        sa.Column("slug", sa.Text(), nullable=False),
        sa.Column(
            "hosts",
            postgresql.ARRAY(sa.Text()),
            server_default=sa.text("'{}'::text[]"),
            nullable=False,
        ),
        sa.Column(
            "settings", postgresql.JSONB(), server_default=sa.text("'{}'::jsonb"), nullable=False
        ),
        sa.Column("template", sa.Text(), nullable=False),
        *_timestamps(),
        sa.CheckConstraint("code ~ '^[0-9]{6}$'", name=op.f("ck_tenants_code_format")),
        sa.CheckConstraint(
            "level IN ('province','prefecture','county','zone')", name=op.f("ck_tenants_level")
        ),
        sa.CheckConstraint(
            "status IN ('active','suspended','archived')", name=op.f("ck_tenants_status")
        ),
        sa.CheckConstraint(
            "slug ~ '^[a-z0-9][a-z0-9-]{0,62}$'", name=op.f("ck_tenants_slug_format")
        ),
        sa.ForeignKeyConstraint(
            ["parent_id"], ["tenants.id"], name=op.f("fk_tenants_parent_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tenants")),
        sa.UniqueConstraint("code", name=op.f("uq_tenants_code")),
        sa.UniqueConstraint("path", name=op.f("uq_tenants_path")),
        sa.UniqueConstraint("slug", name=op.f("uq_tenants_slug")),
    )
    op.create_table(
        "departments",
        sa.Column("tenant_id", sa.BigInteger(), nullable=False),
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("short_name", sa.Text(), nullable=True),
        sa.Column("sort", sa.Integer(), server_default=sa.text("0"), nullable=False),
        *_timestamps(),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], name="fk_departments_tenant"),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_departments")),
        sa.UniqueConstraint("tenant_id", "key", name="uq_departments_tenant_key"),
    )
    op.create_table(
        "calendar_days",
        sa.Column("province_id", sa.BigInteger(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.CheckConstraint("kind IN ('holiday','workday')", name=op.f("ck_calendar_days_kind")),
        sa.ForeignKeyConstraint(
            ["province_id"], ["tenants.id"], name=op.f("fk_calendar_days_province_id_tenants")
        ),
        sa.PrimaryKeyConstraint("province_id", "day", name=op.f("pk_calendar_days")),
    )
    op.create_table(
        "audit_log",
        sa.Column("seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("tenant_id", sa.BigInteger(), nullable=True),
        sa.Column("actor", sa.Text(), nullable=False),
        sa.Column("action", sa.Text(), nullable=False),
        sa.Column("object_type", sa.Text(), nullable=False),
        sa.Column("object_id", sa.Text(), nullable=True),
        sa.Column("outcome", sa.Text(), nullable=False),
        sa.Column(
            "detail", postgresql.JSONB(), server_default=sa.text("'{}'::jsonb"), nullable=False
        ),
        sa.Column(
            "at",
            sa.DateTime(timezone=True),
            server_default=sa.func.clock_timestamp(),
            nullable=False,
        ),
        sa.Column("prev_hash", sa.LargeBinary(), nullable=False),
        sa.Column("hash", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_audit_log")),
    )
    op.create_index("ix_audit_log_tenant_at", "audit_log", ["tenant_id", "at"])
    op.create_index("ix_audit_log_object", "audit_log", ["object_type", "object_id"])

    for stmt in [
        f"GRANT USAGE ON SCHEMA public TO {role}",
        f"GRANT SELECT, INSERT, UPDATE ON tenants TO {role}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON calendar_days TO {role}",
        *enable_tenant_rls("departments", role),
        *_AUDIT_CREATE,
        *_audit_grants(role),
        *audit_read_policy(role),
    ]:
        op.execute(stmt)


def downgrade() -> None:
    for stmt in [*_AUDIT_DROP, *disable_tenant_rls("departments")]:
        op.execute(stmt)
    op.drop_index("ix_audit_log_object", table_name="audit_log")
    op.drop_index("ix_audit_log_tenant_at", table_name="audit_log")
    op.drop_table("audit_log")
    op.drop_table("calendar_days")
    op.drop_table("departments")
    op.drop_table("tenants")


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


def audit_read_policy(app_role: str) -> list[str]:
    """The audit chain is written only by its SECURITY DEFINER function, so RLS on it is
    enabled but not forced (the owner's functions see the whole chain), and the app role
    reads only the rows of tenants in its scope."""
    return [
        "ALTER TABLE audit_log ENABLE ROW LEVEL SECURITY",
        f"CREATE POLICY audit_log_read ON audit_log FOR SELECT TO {app_role} "
        f"USING (tenant_id = ANY ({VISIBLE}))",
    ]


_AUDIT_LOCK_KEY = 7391001

_AUDIT_CREATE = [
    """
CREATE FUNCTION yiwang_audit_canonical(
    p_seq bigint, p_tenant_id bigint, p_actor text, p_action text, p_object_type text,
    p_object_id text, p_outcome text, p_detail jsonb, p_at timestamptz
) RETURNS bytea LANGUAGE sql STABLE AS $$
  SELECT convert_to(concat_ws(E'\\x1f',
      p_seq::text, coalesce(p_tenant_id::text, ''), p_actor, p_action, p_object_type,
      coalesce(p_object_id, ''), p_outcome, coalesce(p_detail, '{}'::jsonb)::text,
      to_char(p_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')), 'UTF8')
$$
""",
    f"""
CREATE FUNCTION yiwang_audit_append(
    p_tenant_id bigint, p_actor text, p_action text, p_object_type text,
    p_object_id text, p_outcome text, p_detail jsonb
) RETURNS bigint LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  v_prev bytea;
  v_seq bigint;
  v_at timestamptz := clock_timestamp();
BEGIN
  PERFORM pg_advisory_xact_lock({_AUDIT_LOCK_KEY});
  SELECT seq, hash INTO v_seq, v_prev FROM audit_log ORDER BY seq DESC LIMIT 1;
  v_seq := coalesce(v_seq, 0) + 1;
  v_prev := coalesce(v_prev, '\\x'::bytea);
  INSERT INTO audit_log (seq, tenant_id, actor, action, object_type, object_id, outcome,
                         detail, at, prev_hash, hash)
  VALUES (v_seq, p_tenant_id, p_actor, p_action, p_object_type, p_object_id, p_outcome,
          coalesce(p_detail, '{{}}'::jsonb), v_at, v_prev,
          sha256(v_prev || yiwang_audit_canonical(v_seq, p_tenant_id, p_actor, p_action,
                 p_object_type, p_object_id, p_outcome, coalesce(p_detail, '{{}}'::jsonb), v_at)));
  RETURN v_seq;
END
$$
""",
    """
CREATE FUNCTION yiwang_audit_verify() RETURNS TABLE (seq bigint, problem text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  WITH chain AS (
    SELECT a.seq, a.hash, a.prev_hash,
           lag(a.hash) OVER (ORDER BY a.seq) AS before_hash,
           lag(a.seq) OVER (ORDER BY a.seq) AS before_seq,
           sha256(a.prev_hash || yiwang_audit_canonical(a.seq, a.tenant_id, a.actor, a.action,
                  a.object_type, a.object_id, a.outcome, a.detail, a.at)) AS recomputed
    FROM audit_log a
  )
  SELECT seq, 'hash' FROM chain WHERE hash IS DISTINCT FROM recomputed
  UNION ALL
  SELECT seq, 'gap' FROM chain WHERE seq <> coalesce(before_seq, 0) + 1
  UNION ALL
  SELECT seq, 'link' FROM chain WHERE prev_hash IS DISTINCT FROM coalesce(before_hash, '\\x'::bytea)
  ORDER BY 1, 2
$$
""",
    """
CREATE FUNCTION yiwang_audit_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_log is append-only' USING ERRCODE = 'insufficient_privilege';
END
$$
""",
    """
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
FOR EACH ROW EXECUTE FUNCTION yiwang_audit_refuse_change()
""",
    "CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log "
    "FOR EACH STATEMENT EXECUTE FUNCTION yiwang_audit_refuse_change()",
]

_AUDIT_DROP = [
    "DROP TRIGGER IF EXISTS audit_log_no_truncate ON audit_log",
    "DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log",
    "DROP FUNCTION IF EXISTS yiwang_audit_refuse_change()",
    "DROP FUNCTION IF EXISTS yiwang_audit_verify()",
    "DROP FUNCTION IF EXISTS yiwang_audit_append(bigint, text, text, text, text, text, jsonb)",
    "DROP FUNCTION IF EXISTS yiwang_audit_canonical(bigint, bigint, text, text, text, text, "
    "text, jsonb, timestamptz)",
]


def _audit_grants(app_role: str) -> list[str]:
    return [
        "REVOKE ALL ON FUNCTION yiwang_audit_append(bigint, text, text, text, text, text, jsonb) "
        "FROM PUBLIC",
        "REVOKE ALL ON FUNCTION yiwang_audit_verify() FROM PUBLIC",
        f"GRANT EXECUTE ON FUNCTION yiwang_audit_append(bigint, text, text, text, text, text, "
        f"jsonb) TO {app_role}",
        f"GRANT EXECUTE ON FUNCTION yiwang_audit_verify() TO {app_role}",
        f"GRANT SELECT ON audit_log TO {app_role}",
    ]
