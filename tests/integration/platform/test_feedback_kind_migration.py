"""Migration `0018_feedback_kind` moves the questions stored as `【咨询】…` complaints to
`kind = 'question'` (prefix stripped) and back, as the owner role under forced RLS."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import psycopg
import pytest

from yiwang.platform import migrate
from yiwang.platform.settings import Settings

SCRATCH = "yiwang_feedback_kind_check"
BEFORE = "0017_drafts"
AFTER = "0018_feedback_kind"


@pytest.fixture
def scratch(admin_dsn: str) -> Iterator[tuple[Settings, str]]:
    """A database of its own, so the shared one keeps its schema and data."""
    base = admin_dsn.rsplit("/", 1)[0]
    with psycopg.connect(base + "/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {SCRATCH} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {SCRATCH} OWNER yiwang_owner")
    settings = Settings.from_env()
    owner_url = settings.migration_database_url.rsplit("/", 1)[0] + f"/{SCRATCH}"
    try:
        yield replace(settings, migration_database_url=owner_url), base + f"/{SCRATCH}"
    finally:
        with psycopg.connect(base + "/postgres", autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {SCRATCH} WITH (FORCE)")


def _rows(admin: psycopg.Connection) -> list[tuple[str, ...]]:
    return [
        tuple(r)
        for r in admin.execute(
            "SELECT * FROM (SELECT department, content,"
            " to_jsonb(c) ->> 'kind' AS kind FROM supervision_complaints c) x"
            " ORDER BY department"
        ).fetchall()
    ]


def test_questions_move_to_their_kind_and_back(scratch: tuple[Settings, str]) -> None:
    settings, admin_url = scratch
    migrate.upgrade(settings, BEFORE)
    with psycopg.connect(admin_url, autocommit=True) as admin:
        [(tenant,)] = admin.execute(
            "INSERT INTO tenants (code, name, level, path, depth, slug, template)"
            " VALUES ('620000', '甘肃省', 'province', '/620000', 0, 'gansu', 'gansu')"
            " RETURNING id"
        ).fetchall()
        for department, content in (
            ("a", "【咨询】营业时间是几点？"),
            ("b", "窗口态度差"),
            ("c", "关于【咨询】二字的投诉"),
        ):
            admin.execute(
                "INSERT INTO supervision_complaints (tenant_id, department, content, opened_at)"
                " VALUES (%s, %s, %s, now())",
                (tenant, department, content),
            )
        migrate.upgrade(settings, AFTER)
        assert _rows(admin) == [
            ("a", "营业时间是几点？", "question"),
            ("b", "窗口态度差", "complaint"),
            ("c", "关于【咨询】二字的投诉", "complaint"),
        ]
        migrate.downgrade(settings, BEFORE)
        assert _rows(admin) == [
            ("a", "【咨询】营业时间是几点？", None),
            ("b", "窗口态度差", None),
            ("c", "关于【咨询】二字的投诉", None),
        ]
