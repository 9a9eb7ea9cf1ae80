"""Writing records: insert (alone, with its first history row, or generated rows in
bulk), replace at an expected version, soft delete and restore.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import text

from yiwang.platform.driver_sql import DriverStatement, driver_rows
from yiwang.runtime.records.repository.base import RepositoryBase
from yiwang.runtime.records.repository.rows import COLUMNS, Claim, StoredRecord, jsonb, row_params

#: statements built once (a `text()` parses its SQL for parameters when made)
_INSERT = text(
    "INSERT INTO records (tenant_id, id, type_key, status, number, department,"
    " data, form_key, form_data, pii_sealed, pii_masked, pii_index,"
    " effective_id, created_by, updated_by)"
    " VALUES (:tenant_id, :id, :type_key, :status, :number, :department,"
    " CAST(:data AS jsonb), :form_key, CAST(:form_data AS jsonb), :pii_sealed,"
    " CAST(:pii_masked AS jsonb), CAST(:pii_index AS jsonb), :effective_id,"
    " :actor, :actor)"
    f" RETURNING {COLUMNS}"
)
_INSERT_WITH_HISTORY = text(
    "WITH made AS (INSERT INTO records (tenant_id, id, type_key, status,"
    " number, department, data, form_key, form_data, pii_sealed, pii_masked,"
    " pii_index, effective_id, created_by, updated_by)"
    " VALUES (:tenant_id, :id, :type_key, :status, :number, :department,"
    " CAST(:data AS jsonb), :form_key, CAST(:form_data AS jsonb), :pii_sealed,"
    " CAST(:pii_masked AS jsonb), CAST(:pii_index AS jsonb), :effective_id,"
    f" :actor, :actor) RETURNING {COLUMNS}),"
    " history AS (INSERT INTO record_history"
    " (tenant_id, record_id, version, action, actor, changes)"
    " SELECT tenant_id, id, version, 'create', :actor, CAST(:changes AS jsonb)"
    " FROM made)"
    f" SELECT {COLUMNS} FROM made"
)
_CLAIM_AND_INSERT = text(
    "WITH claim AS (INSERT INTO record_idempotency (tenant_id, actor, key, request_hash)"
    " VALUES (:tenant_id, :owner, :key, :hash)"
    " ON CONFLICT (tenant_id, actor, key) DO NOTHING RETURNING 1),"
    " fresh AS (SELECT nextval('records_id_seq') AS id),"
    " watched AS (SELECT version FROM records WHERE tenant_id = :tenant_id"
    " AND id = CAST(:watch AS bigint) AND deleted_at IS NULL),"
    " made AS (INSERT INTO records (tenant_id, id, type_key, status, number, department,"
    " data, form_key, form_data, pii_sealed, pii_masked, pii_index, effective_id,"
    " created_by, updated_by)"
    " SELECT :tenant_id, fresh.id, CAST(:type_key AS text), CAST(:status AS text),"
    " CAST(:prefix AS text) || fresh.id, CAST(:department AS text), CAST(:data AS jsonb),"
    " CAST(:form_key AS text), CAST(:form_data AS jsonb), CAST(:pii_sealed AS text),"
    " CAST(:pii_masked AS jsonb), CAST(:pii_index AS jsonb), CAST(:effective_id AS bigint),"
    " CAST(:actor AS text), CAST(:actor AS text) FROM fresh"
    " WHERE EXISTS (SELECT 1 FROM claim)"
    " AND (SELECT version FROM watched) = CAST(:expected AS integer)"
    f" RETURNING {COLUMNS}),"
    " history AS (INSERT INTO record_history"
    " (tenant_id, record_id, version, action, actor, changes)"
    " SELECT tenant_id, id, version, 'create', :actor, CAST(:changes AS jsonb) FROM made)"
    " SELECT fresh.id AS claimed_id, EXISTS (SELECT 1 FROM claim) AS won,"
    " (SELECT version FROM watched) AS watched, made.*"
    " FROM fresh LEFT JOIN made ON true"
)
#: an application's one statement, sent through psycopg alone (`platform.driver_sql`)
_CLAIM_AND_INSERT_DRIVER = DriverStatement(_CLAIM_AND_INSERT)
_INSERT_MANY = text(
    "INSERT INTO records (tenant_id, id, type_key, status, number, department,"
    " data, form_key, form_data, pii_sealed, pii_masked, pii_index,"
    " effective_id, created_at, created_by, updated_at, updated_by)"
    " SELECT r.tenant_id, r.id, r.type_key, r.status, r.number, r.department,"
    " CAST(r.data AS jsonb), r.form_key, CAST(r.form_data AS jsonb), r.pii_sealed,"
    " CAST(r.pii_masked AS jsonb), CAST(r.pii_index AS jsonb), r.effective_id,"
    " COALESCE(r.created_at, now()), r.actor, COALESCE(r.created_at, now()), r.actor"
    " FROM jsonb_to_recordset(CAST(:rows AS jsonb)) AS r(tenant_id bigint, id bigint,"
    " type_key text, status text, number text, department text, data text,"
    " form_key text, form_data text, pii_sealed text, pii_masked text,"
    " pii_index text, effective_id bigint, created_at timestamptz, actor text)"
)
#: `n` records made from stored ones (`yiwang bench seed`): each is a copy of a pool record
#: drawn by `random()` (the caller `setseed`s first) whose mixed fields take a value drawn
#: from that field's pool and whose unique fields take the `u` arrays' next value; ids
#: from the sequence, creation times spread over `spread` seconds before `now`
_INSERT_CLONES = """
WITH pool AS MATERIALIZED (
  SELECT row_number() OVER (ORDER BY r.id) AS pos, r.department, r.data, r.form_key,
    r.form_data, r.pii_sealed, r.pii_masked, r.pii_index
  FROM records AS r WHERE r.tenant_id = :tenant_id AND r.id = ANY(CAST(:pool AS bigint[]))
), draws AS MATERIALIZED (
  SELECT g, nextval('records_id_seq') AS id, random() AS r_base, random() AS r_at{draws}
  FROM generate_series(1, :n) AS g ORDER BY g
)
INSERT INTO records (tenant_id, id, type_key, status, number, department, data, form_key,
  form_data, pii_sealed, pii_masked, pii_index, effective_id, created_at, created_by,
  updated_at, updated_by)
SELECT :tenant_id, d.id, :type_key, :status, :code || '-' || d.id, p.department,
  p.data{overrides}, p.form_key, p.form_data, p.pii_sealed, p.pii_masked, p.pii_index,
  :effective_id, x.at, :actor, x.at, :actor
FROM draws AS d
JOIN pool AS p ON p.pos = 1 + floor(d.r_base * (SELECT count(*) FROM pool))::int
CROSS JOIN LATERAL (SELECT CAST(:now AS timestamptz)
  - make_interval(secs => floor(d.r_at * :spread)) AS at) AS x
ORDER BY d.g
RETURNING id, data ->> CAST(:returned AS text)
"""
_REPLACE = text(
    "UPDATE records SET status = :status, department = :department,"
    " data = CAST(:data AS jsonb), form_key = :form_key,"
    " form_data = CAST(:form_data AS jsonb), pii_sealed = :pii_sealed,"
    " pii_masked = CAST(:pii_masked AS jsonb),"
    " pii_index = CAST(:pii_index AS jsonb), effective_id = :effective_id,"
    " version = version + 1, updated_at = now(), updated_by = :actor"
    " WHERE tenant_id = :tenant_id AND id = :id AND version = :expected"
    " AND deleted_at IS NULL"
    f" RETURNING {COLUMNS}"
)
_MARK_DELETED = text(
    "UPDATE records SET"
    " deleted_at = CASE WHEN :deleted THEN now() END,"
    " deleted_by = CASE WHEN :deleted THEN CAST(:actor AS text) END,"
    " version = version + 1, updated_at = now(), updated_by = :actor"
    " WHERE tenant_id = :tenant_id AND id = :id AND version = :expected"
    " AND (deleted_at IS NULL) = :deleted"
    f" RETURNING {COLUMNS}"
)


class RecordWrites(RepositoryBase):
    """The statements that write `records`."""

    async def insert(self, values: Mapping[str, Any]) -> StoredRecord:
        row = (
            (
                await self.session.execute(
                    _INSERT,
                    row_params(values),
                )
            )
            .mappings()
            .one()
        )
        return StoredRecord.of(row)

    async def insert_with_history(
        self, values: Mapping[str, Any], changes: list[dict[str, Any]]
    ) -> StoredRecord:
        """Insert a record and its first history row in one statement (a data-modifying CTE)."""
        row = (
            (
                await self.session.execute(
                    _INSERT_WITH_HISTORY,
                    {**row_params(values), "changes": jsonb(changes)},
                )
            )
            .mappings()
            .one()
        )
        return StoredRecord.of(row)

    async def claim_and_insert(
        self,
        values: Mapping[str, Any],
        changes: list[dict[str, Any]],
        *,
        owner: str,
        key: str,
        request_hash: str,
        watch: int,
        expected: int,
        prefix: str,
    ) -> tuple[Claim, StoredRecord | None]:
        """`claim` and `insert_with_history` in one statement: the record (numbered
        `prefix` + its id) and its first history row are written only if this request
        claimed `key` and the watched record is still at version `expected`.

        The claim is what `claim` returns; the record is None when it was not written
        (the key was used before, or the watched record moved: the caller goes on as
        after `claim`, with the claimed id).
        """
        params = {
            **row_params({**values, "id": None}),  # id and number come from the statement
            "changes": jsonb(changes),
            "owner": owner,
            "key": key,
            "hash": request_hash,
            "watch": watch,
            "expected": expected,
            "prefix": prefix,
        }
        (row,) = await driver_rows(self.session, _CLAIM_AND_INSERT_DRIVER, params)
        watched = int(row["watched"]) if row["watched"] is not None else None
        claim = Claim(int(row["claimed_id"]), bool(row["won"]), watched)
        return claim, StoredRecord.of(row) if row["id"] is not None else None

    async def insert_many(self, rows: Sequence[Mapping[str, Any]]) -> int:
        """Insert prepared rows in one statement (generated data: no history, no answer).

        COPY would be faster, but PostgreSQL refuses COPY FROM on a table with
        row-level security; one JSON parameter of all rows keeps it one round trip.
        """
        if not rows:
            return 0
        payload = json.dumps(
            [{**row_params(row), "created_at": row.get("created_at")} for row in rows],
            ensure_ascii=False,
            separators=(",", ":"),
        )
        result = await self.session.execute(
            _INSERT_MANY,
            {"rows": payload},
        )
        return int(result.rowcount or 0)  # type: ignore[attr-defined]

    async def insert_clones(
        self,
        values: Mapping[str, Any],
        mixed: Mapping[str, Sequence[Any]],
        unique: Mapping[str, Sequence[Any]],
        always: frozenset[str],
    ) -> list[tuple[int, str | None]]:
        """Insert `values["n"]` copies of the pool records `values["pool"]` (ids), each
        field of `mixed` drawn from its values, each of `unique` the next of its own
        (`always`: fields set even where the copied record has none; the others only
        where it has one). The caller has `setseed` the session: the same seed, the
        same rows. One statement: the rows never cross the wire; it answers each
        new id with the value of the field `values["returned"]` names.
        """
        draws: list[str] = []
        overrides: list[tuple[str, str, str]] = []
        params = dict(values)
        for i, (key, pool) in enumerate(mixed.items()):
            draws.append(f", random() AS r_{i}")
            params[f"k_{i}"], params[f"m_{i}"] = key, jsonb(list(pool))
            value = f"CAST(:m_{i} AS jsonb) -> floor(d.r_{i} * {len(pool)})::int"
            overrides.append((key, str(i), value))
        for j, (key, made) in enumerate(unique.items()):
            params[f"k_u{j}"], params[f"u_{j}"] = key, jsonb(list(made))
            overrides.append((key, f"u{j}", f"CAST(:u_{j} AS jsonb) -> (d.g - 1)::int"))
        parts = []
        for key, slot, value in overrides:
            pair = f"jsonb_build_object(CAST(:k_{slot} AS text), {value})"
            parts.append(
                pair
                if key in always
                else f"CASE WHEN p.data ? CAST(:k_{slot} AS text) THEN {pair} ELSE '{{}}' END"
            )
        sql = _INSERT_CLONES.format(
            draws="".join(draws), overrides="".join(f" || {part}" for part in parts)
        )
        await self.session.execute(text("SELECT setseed(:seed)"), {"seed": values["seed"]})
        rows = await self.session.execute(text(sql), params)
        return [(int(i), v) for i, v in rows.all()]

    async def replace(
        self, tenant_id: int, record_id: int, expected_version: int, values: Mapping[str, Any]
    ) -> StoredRecord | None:
        """Write new values if the record is still at `expected_version`; None when it is not."""
        params = row_params({**values, "tenant_id": tenant_id, "id": record_id})
        params["expected"] = expected_version
        row = (
            (
                await self.session.execute(
                    _REPLACE,
                    params,
                )
            )
            .mappings()
            .one_or_none()
        )
        return StoredRecord.of(row) if row is not None else None

    async def mark_deleted(
        self, tenant_id: int, record_id: int, expected_version: int, actor: str, *, deleted: bool
    ) -> StoredRecord | None:
        """Soft-delete (or restore) if the record is still at `expected_version`."""
        row = (
            (
                await self.session.execute(
                    _MARK_DELETED,
                    {
                        "tenant_id": tenant_id,
                        "id": record_id,
                        "expected": expected_version,
                        "actor": actor,
                        "deleted": deleted,
                    },
                )
            )
            .mappings()
            .one_or_none()
        )
        return StoredRecord.of(row) if row is not None else None
