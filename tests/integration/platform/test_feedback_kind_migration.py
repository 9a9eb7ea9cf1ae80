"""Migration `0018_feedback_kind` moves the questions stored as `【咨询】…` complaints to
`kind = 'question'` (prefix stripped) and back, as the owner role under forced RLS."""

from __future__ import annotations

import psycopg

from tests.integration.platform.scratch import province
from tests.integration.platform.scratch import scratch as scratch
from yiwang.platform import migrate
from yiwang.platform.settings import Settings

SCRATCH = "yiwang_feedback_kind_check"
BEFORE = "0017_drafts"
AFTER = "0018_feedback_kind"


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
        tenant = province(admin)
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
