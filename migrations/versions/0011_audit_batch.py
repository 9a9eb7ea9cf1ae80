"""Audit batches: `yiwang_audit_append_many` appends a unit of work's records in one call.

A unit of work buffers its audit records and appends them as its last statement
before COMMIT, so the chain's advisory lock is held for one statement and the
commit, not from the unit's first audit write to its end. The function is
`yiwang_audit_append` applied to each element of a JSON array in order: the same
lock, the same canonical form, the same hash, each row's `at` its own
`clock_timestamp()`. SECURITY DEFINER like its sibling: the application's role
may EXECUTE it and still cannot write `audit_log` directly. Frozen text: this
migration imports no live module.

Revision ID: 0011_audit_batch
Revises: 0010_search
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import context, op

revision: str = "0011_audit_batch"
down_revision: str | None = "0010_search"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_AUDIT_LOCK_KEY = 7391001

CREATE = f"""
CREATE FUNCTION yiwang_audit_append_many(p_records jsonb)
RETURNS bigint LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  v_prev bytea;
  v_hash bytea;
  v_seq bigint;
  v_at timestamptz;
  v_detail jsonb;
  r record;
BEGIN
  IF jsonb_typeof(p_records) IS DISTINCT FROM 'array' THEN
    RAISE EXCEPTION 'yiwang_audit_append_many expects a JSON array'
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  PERFORM pg_advisory_xact_lock({_AUDIT_LOCK_KEY});
  SELECT a.seq, a.hash INTO v_seq, v_prev FROM audit_log a ORDER BY a.seq DESC LIMIT 1;
  v_seq := coalesce(v_seq, 0);
  v_prev := coalesce(v_prev, '\\x'::bytea);
  FOR r IN
    SELECT e.value AS rec FROM jsonb_array_elements(p_records) WITH ORDINALITY AS e
    ORDER BY e.ordinality
  LOOP
    v_seq := v_seq + 1;
    v_at := clock_timestamp();
    v_detail := coalesce(nullif(r.rec->'detail', 'null'::jsonb), '{{}}'::jsonb);
    v_hash := sha256(v_prev || yiwang_audit_canonical(v_seq, (r.rec->>'tenant_id')::bigint,
                     r.rec->>'actor', r.rec->>'action', r.rec->>'object_type',
                     r.rec->>'object_id', r.rec->>'outcome', v_detail, v_at));
    INSERT INTO audit_log (seq, tenant_id, actor, action, object_type, object_id, outcome,
                           detail, at, prev_hash, hash)
    VALUES (v_seq, (r.rec->>'tenant_id')::bigint, r.rec->>'actor', r.rec->>'action',
            r.rec->>'object_type', r.rec->>'object_id', r.rec->>'outcome', v_detail, v_at,
            v_prev, v_hash);
    v_prev := v_hash;
  END LOOP;
  RETURN v_seq;
END
$$
"""


def upgrade() -> None:
    role = app_role()
    for statement in [
        CREATE,
        "REVOKE ALL ON FUNCTION yiwang_audit_append_many(jsonb) FROM PUBLIC",
        f"GRANT EXECUTE ON FUNCTION yiwang_audit_append_many(jsonb) TO {role}",
    ]:
        op.execute(statement)


def downgrade() -> None:
    op.execute("DROP FUNCTION IF EXISTS yiwang_audit_append_many(jsonb)")


# --- frozen helpers: a migration never imports live code, so it copies what it needs ---


def app_role() -> str:
    """The application's database role, which `yiwang db upgrade` passes in."""
    name = str(context.config.attributes.get("app_role") or "yiwang_app")
    if not name.replace("_", "").isalnum():
        raise ValueError(f"unexpected database role name {name!r}")
    return name
