"""The only SQL of records: rows, history, idempotency keys, rule groups, advisory locks.

Every statement runs in the caller's unit of work, so row-level security
admits only the tenants of the scope the guard decided; the tenant id is also
named in every statement, as the application's own first wall.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import msgspec
from sqlalchemy import RowMapping, text
from sqlalchemy.ext.asyncio import AsyncSession

from yiwang.platform.tenant_context import CONTEXT_INFO_KEY, TenantScope, apply_scope
from yiwang.runtime.records.expressions import PARAM_TYPE, checked_key, sql_of

_COLUMNS = (
    "tenant_id, id, type_key, status, number, department, data, form_key, form_data,"
    " pii_sealed, pii_masked, pii_index, effective_id, version, created_at, created_by,"
    " updated_at, updated_by, deleted_at, deleted_by"
)


@dataclass(frozen=True)
class StoredRecord:
    """A row of `records` as stored: personal data still sealed."""

    tenant_id: int
    id: int
    type_key: str
    status: str
    number: str | None
    department: str | None
    data: dict[str, Any]
    form_key: str | None
    form_data: dict[str, Any] | None
    pii_sealed: str | None
    pii_masked: dict[str, Any] | None
    pii_index: dict[str, Any] | None
    effective_id: int
    version: int
    created_at: datetime
    created_by: str
    updated_at: datetime
    updated_by: str
    deleted_at: datetime | None
    deleted_by: str | None

    @classmethod
    def of(cls, row: RowMapping | Mapping[str, Any]) -> StoredRecord:
        return cls(**{name: row[name] for name in cls.__dataclass_fields__})


@dataclass(frozen=True)
class Claim:
    """What claiming an idempotency key found."""

    record_id: int
    won: bool
    #: the live version of the watched record (None: none watched, or gone)
    watched: int | None = None


@dataclass(frozen=True)
class IdempotentAnswer:
    request_hash: str
    record_id: int | None
    status_code: int | None
    response: dict[str, Any] | None


@dataclass(frozen=True)
class HistoryRow:
    id: int
    version: int
    action: str
    actor: str
    at: datetime
    changes: list[dict[str, Any]]


_encoder = msgspec.json.Encoder()


def _json(value: Any) -> str | None:
    """Compact UTF-8 JSON for a jsonb parameter (msgspec: a fraction of `json.dumps`'s cost)."""
    if value is None:
        return None
    return _encoder.encode(value).decode()


@asynccontextmanager
async def visible(
    session: AsyncSession, acting_tenant_id: int, tenant_ids: Iterable[int]
) -> AsyncIterator[None]:
    """Let the transaction read `tenant_ids` for a count or a check, then restore its scope.

    For what the platform itself must know across tenants (a rule counted over
    a subtree, the records a metadata change would invalidate); what is read
    under it is a count or a verdict, never shown.
    """
    connection = await session.connection()
    previous = connection.sync_connection.info.get(CONTEXT_INFO_KEY)  # type: ignore[union-attr]
    ids = sorted({acting_tenant_id, *tenant_ids})
    await apply_scope(session, TenantScope(acting_tenant_id, tuple(ids)))
    try:
        yield
    finally:
        if isinstance(previous, TenantScope):
            await apply_scope(session, previous)
        else:
            await apply_scope(session, TenantScope.single(acting_tenant_id))


class RecordRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    # --- ids and idempotency ----------------------------------------------------

    async def next_id(self) -> int:
        return int(await self.session.scalar(text("SELECT nextval('records_id_seq')")) or 0)

    async def next_ids(self, count: int) -> list[int]:
        rows = await self.session.scalars(
            text("SELECT nextval('records_id_seq') FROM generate_series(1, :n)"), {"n": count}
        )
        return [int(r) for r in rows]

    async def claim(
        self,
        tenant_id: int,
        actor: str,
        key: str,
        request_hash: str,
        *,
        watch: int | None = None,
    ) -> Claim:
        """A fresh record id, whether this request claimed `key` (False: it was used), and,
        for `watch`, the live version of that record (a cached service item's check).

        A concurrent request with the same key waits here until the first one
        commits or rolls back, then sees its answer (or claims the key itself).
        """
        row = (
            await self.session.execute(
                text(
                    "WITH claim AS (INSERT INTO record_idempotency"
                    " (tenant_id, actor, key, request_hash)"
                    " VALUES (:tenant_id, :actor, :key, :hash)"
                    " ON CONFLICT (tenant_id, actor, key) DO NOTHING RETURNING 1)"
                    " SELECT nextval('records_id_seq') AS id, EXISTS (SELECT 1 FROM claim) AS won,"
                    " (SELECT version FROM records WHERE tenant_id = :tenant_id"
                    " AND id = CAST(:watch AS bigint) AND deleted_at IS NULL) AS watched"
                ),
                {
                    "tenant_id": tenant_id,
                    "actor": actor,
                    "key": key,
                    "hash": request_hash,
                    "watch": watch,
                },
            )
        ).one()
        watched = int(row.watched) if row.watched is not None else None
        return Claim(int(row.id), bool(row.won), watched)

    async def answer(self, tenant_id: int, actor: str, key: str) -> IdempotentAnswer | None:
        row = (
            await self.session.execute(
                text(
                    "SELECT request_hash, record_id, status_code, response FROM record_idempotency"
                    " WHERE tenant_id = :tenant_id AND actor = :actor AND key = :key"
                ),
                {"tenant_id": tenant_id, "actor": actor, "key": key},
            )
        ).one_or_none()
        if row is None:
            return None
        return IdempotentAnswer(row.request_hash, row.record_id, row.status_code, row.response)

    async def remember(
        self,
        tenant_id: int,
        actor: str,
        key: str,
        record_id: int,
        status_code: int,
        response: Mapping[str, Any],
    ) -> None:
        await self.session.execute(
            text(
                "UPDATE record_idempotency SET record_id = :record_id, status_code = :status,"
                " response = CAST(:response AS jsonb)"
                " WHERE tenant_id = :tenant_id AND actor = :actor AND key = :key"
            ),
            {
                "tenant_id": tenant_id,
                "actor": actor,
                "key": key,
                "record_id": record_id,
                "status": status_code,
                "response": _json(response),
            },
        )

    async def purge_answers(self, tenant_id: int, before: datetime) -> int:
        result = await self.session.execute(
            text(
                "DELETE FROM record_idempotency"
                " WHERE tenant_id = :tenant_id AND created_at < :before"
            ),
            {"tenant_id": tenant_id, "before": before},
        )
        return int(result.rowcount or 0)  # type: ignore[attr-defined]

    # --- records ----------------------------------------------------------------

    async def insert(self, values: Mapping[str, Any]) -> StoredRecord:
        row = (
            (
                await self.session.execute(
                    text(
                        "INSERT INTO records (tenant_id, id, type_key, status, number, department,"
                        " data, form_key, form_data, pii_sealed, pii_masked, pii_index,"
                        " effective_id, created_by, updated_by)"
                        " VALUES (:tenant_id, :id, :type_key, :status, :number, :department,"
                        " CAST(:data AS jsonb), :form_key, CAST(:form_data AS jsonb), :pii_sealed,"
                        " CAST(:pii_masked AS jsonb), CAST(:pii_index AS jsonb), :effective_id,"
                        " :actor, :actor)"
                        f" RETURNING {_COLUMNS}"
                    ),
                    _row_params(values),
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
                    text(
                        "WITH made AS (INSERT INTO records (tenant_id, id, type_key, status,"
                        " number, department, data, form_key, form_data, pii_sealed, pii_masked,"
                        " pii_index, effective_id, created_by, updated_by)"
                        " VALUES (:tenant_id, :id, :type_key, :status, :number, :department,"
                        " CAST(:data AS jsonb), :form_key, CAST(:form_data AS jsonb), :pii_sealed,"
                        " CAST(:pii_masked AS jsonb), CAST(:pii_index AS jsonb), :effective_id,"
                        f" :actor, :actor) RETURNING {_COLUMNS}),"
                        " history AS (INSERT INTO record_history"
                        " (tenant_id, record_id, version, action, actor, changes)"
                        " SELECT tenant_id, id, version, 'create', :actor, CAST(:changes AS jsonb)"
                        " FROM made)"
                        f" SELECT {_COLUMNS} FROM made"
                    ),
                    {**_row_params(values), "changes": _json(changes)},
                )
            )
            .mappings()
            .one()
        )
        return StoredRecord.of(row)

    async def insert_many(self, rows: Sequence[Mapping[str, Any]]) -> int:
        """Insert prepared rows in one statement (generated data: no history, no answer).

        COPY would be faster, but PostgreSQL refuses COPY FROM on a table with
        row-level security; one JSON parameter of all rows keeps it one round trip.
        """
        if not rows:
            return 0
        payload = json.dumps(
            [{**_row_params(row), "created_at": row.get("created_at")} for row in rows],
            ensure_ascii=False,
            separators=(",", ":"),
        )
        result = await self.session.execute(
            text(
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
            ),
            {"rows": payload},
        )
        return int(result.rowcount or 0)  # type: ignore[attr-defined]

    async def get(self, tenant_id: int, record_id: int) -> StoredRecord | None:
        row = (
            (
                await self.session.execute(
                    text(
                        f"SELECT {_COLUMNS} FROM records WHERE tenant_id = :tenant_id AND id = :id"
                    ),
                    {"tenant_id": tenant_id, "id": record_id},
                )
            )
            .mappings()
            .one_or_none()
        )
        return StoredRecord.of(row) if row is not None else None

    async def get_many(
        self, tenant_ids: Sequence[int], record_ids: Sequence[int]
    ) -> list[StoredRecord]:
        rows = (
            await self.session.execute(
                text(
                    f"SELECT {_COLUMNS} FROM records WHERE tenant_id = ANY(:tenants)"
                    " AND id = ANY(:ids)"
                ),
                {"tenants": list(tenant_ids), "ids": list(record_ids)},
            )
        ).mappings()
        return [StoredRecord.of(r) for r in rows]

    async def replace(
        self, tenant_id: int, record_id: int, expected_version: int, values: Mapping[str, Any]
    ) -> StoredRecord | None:
        """Write new values if the record is still at `expected_version`; None when it is not."""
        params = _row_params({**values, "tenant_id": tenant_id, "id": record_id})
        params["expected"] = expected_version
        row = (
            (
                await self.session.execute(
                    text(
                        "UPDATE records SET status = :status, department = :department,"
                        " data = CAST(:data AS jsonb), form_key = :form_key,"
                        " form_data = CAST(:form_data AS jsonb), pii_sealed = :pii_sealed,"
                        " pii_masked = CAST(:pii_masked AS jsonb),"
                        " pii_index = CAST(:pii_index AS jsonb), effective_id = :effective_id,"
                        " version = version + 1, updated_at = now(), updated_by = :actor"
                        " WHERE tenant_id = :tenant_id AND id = :id AND version = :expected"
                        " AND deleted_at IS NULL"
                        f" RETURNING {_COLUMNS}"
                    ),
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
                    text(
                        "UPDATE records SET"
                        " deleted_at = CASE WHEN :deleted THEN now() END,"
                        " deleted_by = CASE WHEN :deleted THEN CAST(:actor AS text) END,"
                        " version = version + 1, updated_at = now(), updated_by = :actor"
                        " WHERE tenant_id = :tenant_id AND id = :id AND version = :expected"
                        " AND (deleted_at IS NULL) = :deleted"
                        f" RETURNING {_COLUMNS}"
                    ),
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

    # --- history ----------------------------------------------------------------

    async def add_history(
        self,
        tenant_id: int,
        record_id: int,
        version: int,
        action: str,
        actor: str,
        changes: list[dict[str, Any]],
    ) -> None:
        await self.session.execute(
            text(
                "INSERT INTO record_history (tenant_id, record_id, version, action, actor, changes)"
                " VALUES (:tenant_id, :record_id, :version, :action, :actor,"
                " CAST(:changes AS jsonb))"
            ),
            {
                "tenant_id": tenant_id,
                "record_id": record_id,
                "version": version,
                "action": action,
                "actor": actor,
                "changes": _json(changes),
            },
        )

    async def history(self, tenant_id: int, record_id: int) -> list[HistoryRow]:
        rows = await self.session.execute(
            text(
                "SELECT id, version, action, actor, at, changes FROM record_history"
                " WHERE tenant_id = :tenant_id AND record_id = :record_id ORDER BY id"
            ),
            {"tenant_id": tenant_id, "record_id": record_id},
        )
        return [HistoryRow(r.id, r.version, r.action, r.actor, r.at, r.changes) for r in rows]

    # --- rules ------------------------------------------------------------------

    async def lock(self, keys: Sequence[str]) -> None:
        """Transaction-scoped advisory locks, taken in sorted order so two writers never
        wait on each other crosswise."""
        for key in sorted(set(keys)):
            await self.session.execute(
                text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))"), {"key": key}
            )

    async def group(
        self,
        tenant_ids: Sequence[int],
        type_key: str,
        matches: Sequence[tuple[str, str | None, Any]],
        *,
        exclude_id: int | None,
        with_data: bool,
    ) -> list[dict[str, Any]]:
        """The live records of `type_key` whose fields equal `matches`: (key, kind, value),
        read by the typed expression of `kind` (so the field's index serves the count), or
        compared as JSON when the field has no such kind. Their data, or a row per record
        when `with_data` is false."""
        clauses = []
        params: dict[str, Any] = {
            "tenants": list(tenant_ids),
            "exclude": exclude_id if exclude_id is not None else -1,
        }
        for index, (key, kind, value) in enumerate(matches):
            if kind is not None and kind in PARAM_TYPE and kind != "codes":
                expr = sql_of(kind, key)
                if value is None:
                    clauses.append(f"{expr} IS NULL")
                else:
                    params[f"v{index}"] = value
                    clauses.append(f"{expr} = CAST(:v{index} AS {PARAM_TYPE[kind]})")
                continue
            params[f"k{index}"] = key
            if value is None:
                clauses.append(f"(data -> :k{index}) IS NULL")
            else:
                params[f"v{index}"] = _json(value)
                clauses.append(f"(data -> :k{index}) = CAST(:v{index} AS jsonb)")
        where = "".join(f" AND {c}" for c in clauses)
        columns = "data" if with_data else "'{}'::jsonb AS data"
        rows = await self.session.execute(
            text(
                f"SELECT {columns} FROM records WHERE tenant_id = ANY(:tenants)"
                # a literal, so the type's partial indexes apply (a metadata key, checked)
                f" AND type_key = '{checked_key(type_key)}' AND deleted_at IS NULL"
                f" AND id <> :exclude{where}"
            ),
            params,
        )
        return [dict(r.data) for r in rows]

    # --- reading many -----------------------------------------------------------

    async def batches(
        self,
        tenant_id: int,
        type_keys: Sequence[str],
        *,
        form_keys: Sequence[str] = (),
        size: int = 1000,
    ) -> AsyncIterator[list[StoredRecord]]:
        """Every live record of `type_keys` (or with a business form of `form_keys`) in
        `tenant_id`, in id order, `size` at a time."""
        after = 0
        while True:
            rows = (
                await self.session.execute(
                    text(
                        f"SELECT {_COLUMNS} FROM records WHERE tenant_id = :tenant_id"
                        " AND (type_key = ANY(:types) OR form_key = ANY(:forms))"
                        " AND deleted_at IS NULL AND id > :after ORDER BY id LIMIT :size"
                    ),
                    {
                        "tenant_id": tenant_id,
                        "types": list(type_keys),
                        "forms": list(form_keys),
                        "after": after,
                        "size": size,
                    },
                )
            ).mappings()
            batch = [StoredRecord.of(r) for r in rows]
            if not batch:
                return
            yield batch
            after = batch[-1].id

    async def has_any(self, tenant_id: int) -> bool:
        found = await self.session.scalar(
            text("SELECT EXISTS (SELECT 1 FROM records WHERE tenant_id = :tenant_id)"),
            {"tenant_id": tenant_id},
        )
        return bool(found)

    async def types_present(self, tenant_id: int) -> list[str]:
        rows = await self.session.scalars(
            text(
                "SELECT DISTINCT type_key FROM records WHERE tenant_id = :tenant_id"
                " AND deleted_at IS NULL"
            ),
            {"tenant_id": tenant_id},
        )
        return [str(r) for r in rows]

    async def find_by_number(self, tenant_id: int, number: str) -> StoredRecord | None:
        row = (
            (
                await self.session.execute(
                    text(
                        f"SELECT {_COLUMNS} FROM records WHERE tenant_id = :tenant_id"
                        " AND number = :number"
                    ),
                    {"tenant_id": tenant_id, "number": number},
                )
            )
            .mappings()
            .one_or_none()
        )
        return StoredRecord.of(row) if row is not None else None


def _row_params(values: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "tenant_id": values["tenant_id"],
        "id": values["id"],
        "type_key": values.get("type_key"),
        "status": values["status"],
        "number": values.get("number"),
        "department": values.get("department"),
        "data": _json(values["data"]),
        "form_key": values.get("form_key"),
        "form_data": _json(values.get("form_data")),
        "pii_sealed": values.get("pii_sealed"),
        "pii_masked": _json(values.get("pii_masked")),
        "pii_index": _json(values.get("pii_index")),
        "effective_id": values["effective_id"],
        "actor": values["actor"],
    }
