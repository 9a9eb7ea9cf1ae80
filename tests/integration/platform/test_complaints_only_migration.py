"""Migration `0021_complaints_only`: the rollup's complaint columns count complaints
only. Questions filed before it were counted by the old triggers; the migration's
recount takes them out (the rollup then equals the direct count), later questions
count nothing, and the downgrade counts them again."""

from __future__ import annotations

import psycopg

from tests.integration.platform.scratch import province
from tests.integration.platform.scratch import scratch as scratch
from yiwang.platform import migrate
from yiwang.platform.settings import Settings

SCRATCH = "yiwang_complaints_only_check"
BEFORE = "0020_inbox_order"
AFTER = "0021_rollup_complaints_now"


def _rolled(admin: psycopg.Connection) -> tuple[int, int, int]:
    """The rollup's complaints, closed and closing seconds, summed."""
    row = admin.execute(
        "SELECT coalesce(sum(complaints), 0), coalesce(sum(closed), 0),"
        " coalesce(sum(closing_seconds), 0)::bigint FROM supervision_rollup"
    ).fetchone()
    assert row is not None
    return int(row[0]), int(row[1]), int(row[2])


def _direct(admin: psycopg.Connection) -> tuple[int, int, int]:
    """The same from the complaints themselves (questions left out)."""
    row = admin.execute(
        "SELECT count(*), count(closed_at),"
        " coalesce(sum(extract(epoch FROM closed_at - opened_at)), 0)::bigint"
        " FROM supervision_complaints WHERE kind = 'complaint'"
    ).fetchone()
    assert row is not None
    return int(row[0]), int(row[1]), int(row[2])


def _file(admin: psycopg.Connection, tenant: int, kind: str, hours: int) -> None:
    admin.execute(
        "INSERT INTO supervision_complaints (tenant_id, department, kind, content, opened_at,"
        " closed_at) VALUES (%s, 'scjgj', %s, '内容', '2026-08-03T02:00Z',"
        " '2026-08-03T02:00Z'::timestamptz + make_interval(hours => %s))",
        (tenant, kind, hours),
    )


def test_questions_leave_the_complaint_counts(scratch: tuple[Settings, str]) -> None:
    settings, admin_url = scratch
    migrate.upgrade(settings, BEFORE)
    with psycopg.connect(admin_url, autocommit=True) as admin:
        tenant = province(admin)
        _file(admin, tenant, "complaint", 2)
        _file(admin, tenant, "question", 5)
        assert _rolled(admin) == (2, 2, 7 * 3600)  # before: the question counted

        migrate.upgrade(settings, AFTER)
        assert _rolled(admin) == _direct(admin) == (1, 1, 2 * 3600)
        _file(admin, tenant, "question", 1)
        assert _rolled(admin) == (1, 1, 2 * 3600)
        _file(admin, tenant, "complaint", 4)
        assert _rolled(admin) == _direct(admin) == (2, 2, 6 * 3600)
        admin.execute(  # a complaint found to be a question: its counts leave
            "UPDATE supervision_complaints SET kind = 'question'"
            " WHERE closed_at = opened_at + interval '4 hours'"
        )
        assert _rolled(admin) == _direct(admin) == (1, 1, 2 * 3600)
        # the department moves of `cases_rollup` carry the same filter
        [(moves,)] = admin.execute("SELECT pg_get_functiondef('cases_rollup()'::regprocedure)")
        assert moves.count("r.department IS NULL AND r.kind = 'complaint'") == 2

        migrate.downgrade(settings, BEFORE)
        assert _rolled(admin) == (4, 4, 12 * 3600)  # every row counted again
        [(moves,)] = admin.execute("SELECT pg_get_functiondef('cases_rollup()'::regprocedure)")
        assert "r.kind = 'complaint'" not in moves
