"""DDL for the audit chain: functions and the trigger, applied by migration 0001.

The canonical text of a row joins its fields with the unit separator; the hash
is sha256(previous hash || canonical text). Both the append and the verify
function use `yiwang_audit_canonical`, so they cannot disagree.
"""

from __future__ import annotations

ADVISORY_LOCK_KEY = 7391001

CREATE = [
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
  PERFORM pg_advisory_xact_lock({ADVISORY_LOCK_KEY});
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

DROP = [
    "DROP TRIGGER IF EXISTS audit_log_no_truncate ON audit_log",
    "DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log",
    "DROP FUNCTION IF EXISTS yiwang_audit_refuse_change()",
    "DROP FUNCTION IF EXISTS yiwang_audit_verify()",
    "DROP FUNCTION IF EXISTS yiwang_audit_append(bigint, text, text, text, text, text, jsonb)",
    "DROP FUNCTION IF EXISTS yiwang_audit_canonical(bigint, bigint, text, text, text, text, "
    "text, jsonb, timestamptz)",
]


def grant_statements(app_role: str) -> list[str]:
    return [
        "REVOKE ALL ON FUNCTION yiwang_audit_append(bigint, text, text, text, text, text, jsonb) "
        "FROM PUBLIC",
        "REVOKE ALL ON FUNCTION yiwang_audit_verify() FROM PUBLIC",
        f"GRANT EXECUTE ON FUNCTION yiwang_audit_append(bigint, text, text, text, text, text, "
        f"jsonb) TO {app_role}",
        f"GRANT EXECUTE ON FUNCTION yiwang_audit_verify() TO {app_role}",
        f"GRANT SELECT ON audit_log TO {app_role}",
    ]
