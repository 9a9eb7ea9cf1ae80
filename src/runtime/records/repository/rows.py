"""What the record statements read and write: the columns of a record, the rows they
return, and how values become jsonb parameters. Pure: no session.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import msgspec
from sqlalchemy import RowMapping

COLUMNS = (
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


def jsonb(value: Any) -> str | None:
    """Compact UTF-8 JSON for a jsonb parameter (msgspec: a fraction of `json.dumps`'s cost)."""
    if value is None:
        return None
    return _encoder.encode(value).decode()


def row_params(values: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "tenant_id": values["tenant_id"],
        "id": values["id"],
        "type_key": values.get("type_key"),
        "status": values["status"],
        "number": values.get("number"),
        "department": values.get("department"),
        "data": jsonb(values["data"]),
        "form_key": values.get("form_key"),
        "form_data": jsonb(values.get("form_data")),
        "pii_sealed": values.get("pii_sealed"),
        "pii_masked": jsonb(values.get("pii_masked")),
        "pii_index": jsonb(values.get("pii_index")),
        "effective_id": values["effective_id"],
        "actor": values["actor"],
    }
