"""Fixtures: cases written as the cases room stores them (rows only: supervision reads
them), a fixed clock, and cleanup of everything a test's tag marks."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import date, datetime
from typing import Any

import psycopg
import pytest

from yiwang.tenants.tree import TenantTree

SUPERVISION_TABLES = (
    "supervision_orders",
    "supervision_complaints",
    "supervision_evaluations",
    "supervision_case_facts",
    "case_outbox",
    "case_events",
)


def purge(admin_sql: psycopg.Connection, pattern: str) -> None:
    ids = [
        r[0]
        for r in admin_sql.execute(
            "SELECT id FROM cases WHERE submitter LIKE %s", (pattern,)
        ).fetchall()
    ]
    admin_sql.execute(
        "DELETE FROM supervision_orders WHERE case_id = ANY(%s) OR reason LIKE %s",
        (ids, pattern),
    )
    admin_sql.execute(
        "DELETE FROM supervision_complaints WHERE case_id = ANY(%s) OR content LIKE %s",
        (ids, pattern),
    )
    for table in SUPERVISION_TABLES[2:]:
        admin_sql.execute(f"DELETE FROM {table} WHERE case_id = ANY(%s)", (ids,))
    admin_sql.execute("DELETE FROM cases WHERE id = ANY(%s)", (ids,))


AddCase = Callable[..., int]


def insert_case(
    admin_sql: psycopg.Connection,
    tenant_id: int,
    number: str,
    submitter: str,
    *,
    submitted_at: datetime,
    status: str = "in_review",
    updated_at: datetime | None = None,
    promised_due: date | None = None,
    colour: str | None = "green",
    department: str = "scjgj",
    service_item: str = "SI-0001",
    form_data: dict[str, Any] | None = None,
) -> int:
    """One case row as the cases room stores it; its id."""
    row = admin_sql.execute(
        "INSERT INTO cases (tenant_id, number, service_item, form_key, route_key,"
        " route_version, route_definition, form_data, state, version, status, submitter,"
        " submitted_at, updated_at, promised_due, colour)"
        " VALUES (%s, %s, %s, 'application', 'standard', 'v1', '{}', %s, %s, 1, %s, %s,"
        " %s, %s, %s, %s) RETURNING id",
        (
            tenant_id,
            number,
            service_item,
            json.dumps(form_data or {}),
            json.dumps({"implementing_department": department}),
            status,
            submitter,
            submitted_at,
            updated_at or submitted_at,
            promised_due,
            colour,
        ),
    ).fetchone()
    assert row is not None
    return int(row[0])


@pytest.fixture
def add_case(admin_sql: psycopg.Connection, installed: TenantTree, tag: str) -> Iterator[AddCase]:
    """`add_case(code, n, submitted_at=..., status=..., ...)`: one case row; its id."""

    def add(code: str, n: int, **fields: Any) -> int:
        tenant_id = installed.node(code).id
        return insert_case(
            admin_sql, tenant_id, f"{code}-{tag[:8]}-{n:06d}", f"account:{tag}", **fields
        )

    yield add
    purge(admin_sql, f"%{tag}%")
