"""Records of every item type, their history, idempotency keys and list indexes.

- `records`: one table for records of any item type. Typed columns hold what
  the platform needs (type, status, number, department, times and actors, the
  version for optimistic concurrency, soft deletion, the `metadata_effective`
  row the record was validated against); the metadata-defined fields are
  JSONB (`data`, and `form_data` for an application's business form).
  Personal data (`pii` fields) never sits in `data`: it is sealed
  (AES-256-GCM) in `pii_sealed`, shown masked from `pii_masked`, and found by
  equality through keyed hashes in `pii_index`.
- `record_history`: who changed which field from what to what, and when.
- `record_idempotency`: the first response to each `Idempotency-Key`, per
  tenant and actor, kept at least 24 hours. A create claims its key first
  (the row without a response), so a concurrent retry waits for the first
  and then replays its answer.
- `record_indexes`: the expression indexes list views need, as whitelisted
  specifications; the owner builds them with CREATE INDEX CONCURRENTLY
  outside any transaction (`yiwang records build-indexes`), because the app
  role owns no table and a function cannot run CONCURRENTLY.
- `yiwang_text`, `yiwang_int`, `yiwang_number`, `yiwang_bool(jsonb, text)`:
  typed readers of a JSONB field for list filters and expression indexes.
  Row-level security lets only leakproof conditions become index conditions,
  and no JSONB operator is leakproof; these never raise, so a superuser may
  mark them LEAKPROOF once after the migration (`yiwang records leakproof`;
  only superusers can).
- `yiwang_instant(text)`: an RFC 3339 timestamp with its offset as
  timestamptz, declared immutable so datetime fields can be indexed (the text
  always carries its offset, so neither DateStyle nor TimeZone changes it).

Revision ID: 0007_records
Revises: 0006_attachments
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import context, op
from sqlalchemy.dialects import postgresql

revision: str = "0007_records"
down_revision: str | None = "0006_attachments"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_KEY_PATTERN = "^[a-z][a-z0-9_]{0,62}$"

# Typed readers of a JSONB field. PL/pgSQL, so the planner never inlines them into
# non-leakproof operators; each returns NULL for what it cannot read and never raises,
# which is what lets a superuser mark them LEAKPROOF (see the module docstring).
_READERS = (
    "CREATE FUNCTION yiwang_text(doc jsonb, key text) RETURNS text"
    " LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$ BEGIN RETURN doc ->> key; END $$",
    "CREATE FUNCTION yiwang_int(doc jsonb, key text) RETURNS bigint"
    " LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$"
    " DECLARE v jsonb := doc -> key; t text;"
    " BEGIN"
    "   IF v IS NULL OR jsonb_typeof(v) <> 'number' THEN RETURN NULL; END IF;"
    "   t := v #>> '{}';"
    "   IF t !~ '^-?[0-9]{1,18}$' THEN RETURN NULL; END IF;"
    "   RETURN t::bigint;"
    " END $$",
    "CREATE FUNCTION yiwang_number(doc jsonb, key text) RETURNS numeric"
    " LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$"
    " DECLARE v jsonb := doc -> key;"
    " BEGIN"
    "   IF v IS NULL OR jsonb_typeof(v) <> 'number' THEN RETURN NULL; END IF;"
    "   RETURN (v #>> '{}')::numeric;"
    " END $$",
    "CREATE FUNCTION yiwang_bool(doc jsonb, key text) RETURNS boolean"
    " LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$"
    " DECLARE v jsonb := doc -> key;"
    " BEGIN"
    "   IF v IS NULL OR jsonb_typeof(v) <> 'boolean' THEN RETURN NULL; END IF;"
    "   RETURN (v #>> '{}')::boolean;"
    " END $$",
    "CREATE FUNCTION yiwang_instant(value text) RETURNS timestamptz"
    " LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT value::timestamptz $$",
)
_READER_NAMES = (
    "yiwang_text(jsonb, text)",
    "yiwang_int(jsonb, text)",
    "yiwang_number(jsonb, text)",
    "yiwang_bool(jsonb, text)",
    "yiwang_instant(text)",
)


def _now() -> sa.TextClause:
    return sa.text("now()")


def upgrade() -> None:
    role = app_role()
    op.create_table(
        "records",
        sa.Column("tenant_id", sa.BigInteger(), nullable=False),
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("type_key", sa.Text(), nullable=False),
        sa.Column("status", sa.Text(), server_default=sa.text("'active'"), nullable=False),
        sa.Column("number", sa.Text(), nullable=True),
        sa.Column("department", sa.Text(), nullable=True),
        sa.Column("data", postgresql.JSONB(), nullable=False),
        sa.Column("form_key", sa.Text(), nullable=True),
        sa.Column("form_data", postgresql.JSONB(), nullable=True),
        sa.Column("pii_sealed", sa.Text(), nullable=True),
        sa.Column("pii_masked", postgresql.JSONB(), nullable=True),
        sa.Column("pii_index", postgresql.JSONB(), nullable=True),
        sa.Column("effective_id", sa.BigInteger(), nullable=False),
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=_now(), nullable=False),
        sa.Column("created_by", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=_now(), nullable=False),
        sa.Column("updated_by", sa.Text(), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("deleted_by", sa.Text(), nullable=True),
        sa.CheckConstraint(f"type_key ~ '{_KEY_PATTERN}'", name=op.f("ck_records_type_key_format")),
        sa.CheckConstraint(
            f"form_key IS NULL OR form_key ~ '{_KEY_PATTERN}'",
            name=op.f("ck_records_form_key_format"),
        ),
        sa.CheckConstraint("version >= 1", name=op.f("ck_records_version_positive")),
        sa.CheckConstraint("jsonb_typeof(data) = 'object'", name=op.f("ck_records_data_is_object")),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], name="fk_records_tenant"),
        sa.ForeignKeyConstraint(
            ["tenant_id", "effective_id"],
            ["metadata_effective.tenant_id", "metadata_effective.id"],
            name="fk_records_effective",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_records")),
        sa.UniqueConstraint("tenant_id", "number", name="uq_records_tenant_number"),
    )
    op.create_index(
        "ix_records_live_by_type",
        "records",
        ["tenant_id", "type_key", "id"],
        postgresql_where=sa.text("deleted_at IS NULL"),
    )
    op.create_index(
        "ix_records_department",
        "records",
        ["tenant_id", "type_key", "department", "id"],
        postgresql_where=sa.text("deleted_at IS NULL"),
    )
    op.create_index("ix_records_effective", "records", ["tenant_id", "effective_id"])

    op.create_table(
        "record_history",
        sa.Column("tenant_id", sa.BigInteger(), nullable=False),
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("record_id", sa.BigInteger(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("action", sa.Text(), nullable=False),
        sa.Column("actor", sa.Text(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), server_default=_now(), nullable=False),
        sa.Column(
            "changes", postgresql.JSONB(), server_default=sa.text("'[]'::jsonb"), nullable=False
        ),
        sa.CheckConstraint(
            "action IN ('create','update','delete','restore')",
            name=op.f("ck_record_history_action"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "record_id"],
            ["records.tenant_id", "records.id"],
            name="fk_record_history_record",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_record_history")),
    )
    op.create_index("ix_record_history_record", "record_history", ["tenant_id", "record_id", "id"])

    op.create_table(
        "record_idempotency",
        sa.Column("tenant_id", sa.BigInteger(), nullable=False),
        sa.Column("actor", sa.Text(), nullable=False),
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("request_hash", sa.Text(), nullable=False),
        sa.Column("record_id", sa.BigInteger(), nullable=True),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("response", postgresql.JSONB(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=_now(), nullable=False),
        sa.CheckConstraint(
            "length(key) BETWEEN 1 AND 255", name=op.f("ck_record_idempotency_key_length")
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "record_id"],
            ["records.tenant_id", "records.id"],
            name="fk_record_idempotency_record",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "actor", "key", name=op.f("pk_record_idempotency")),
    )
    op.create_index(
        "ix_record_idempotency_created", "record_idempotency", ["tenant_id", "created_at"]
    )

    op.create_table(
        "record_indexes",
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("type_key", sa.Text(), nullable=False),
        sa.Column("spec", postgresql.JSONB(), nullable=False),
        sa.Column("status", sa.Text(), server_default=sa.text("'wanted'"), nullable=False),
        sa.Column(
            "requested_at", sa.DateTime(timezone=True), server_default=_now(), nullable=False
        ),
        sa.Column("built_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "status IN ('wanted','ready','failed')", name=op.f("ck_record_indexes_status")
        ),
        sa.CheckConstraint("name ~ '^rx_[a-z0-9_]{1,60}$'", name=op.f("ck_record_indexes_name")),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_record_indexes")),
    )
    for statement in _READERS:
        op.execute(statement)
    for stmt in (
        # Records are never deleted, only marked: the history and the audit trail name them.
        *enable_tenant_rls("records", role, privileges="SELECT, INSERT, UPDATE"),
        *enable_tenant_rls("record_history", role, privileges="SELECT, INSERT"),
        *enable_tenant_rls("record_idempotency", role),
        # ids are drawn before the insert: the number and the response are known up front
        f"GRANT USAGE ON SEQUENCE records_id_seq TO {role}",
        f"GRANT SELECT, INSERT, UPDATE ON record_indexes TO {role}",
        *(f"GRANT EXECUTE ON FUNCTION {name} TO {role}" for name in _READER_NAMES),
    ):
        op.execute(stmt)


def downgrade() -> None:
    for table in ("record_idempotency", "record_history", "records"):
        for stmt in disable_tenant_rls(table):
            op.execute(stmt)
    op.drop_table("record_indexes")
    op.drop_index("ix_record_idempotency_created", table_name="record_idempotency")
    op.drop_table("record_idempotency")
    op.drop_index("ix_record_history_record", table_name="record_history")
    op.drop_table("record_history")
    op.drop_index("ix_records_effective", table_name="records")
    op.drop_index("ix_records_department", table_name="records")
    op.drop_index("ix_records_live_by_type", table_name="records")
    op.drop_table("records")
    for name in _READER_NAMES:
        op.execute(f"DROP FUNCTION IF EXISTS {name}")


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
