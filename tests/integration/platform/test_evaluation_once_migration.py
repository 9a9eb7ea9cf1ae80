"""Migration `0017_drafts` keeps one 好差评 per case before its unique index: duplicates
written before it (the first one stays) are removed per tenant, as the owner role under
forced row-level security, which admits no row without a tenant context."""

from __future__ import annotations

import psycopg

from tests.integration.platform.scratch import scratch as scratch
from yiwang.platform import migrate
from yiwang.platform.settings import Settings

SCRATCH = "yiwang_evaluation_once_check"
BEFORE = "0016_supervision_rollup"
AFTER = "0017_drafts"


def test_duplicate_evaluations_keep_the_first_and_the_index_is_built(
    scratch: tuple[Settings, str],
) -> None:
    settings, admin_url = scratch
    migrate.upgrade(settings, BEFORE)
    with psycopg.connect(admin_url, autocommit=True) as admin:
        tenants = [
            admin.execute(
                "INSERT INTO tenants (code, name, level, path, depth, slug, template)"
                " VALUES (%s, %s, %s, %s, %s, %s, 'gansu') RETURNING id",
                row,
            ).fetchall()[0][0]
            for row in (
                ("620000", "甘肃省", "province", "/620000", 0, "gansu"),
                ("620100", "兰州市", "prefecture", "/620000/620100", 1, "lanzhou"),
            )
        ]
        # the cases themselves are not what this revision is about: no foreign keys checked,
        # no rollup triggers fired while the rows are written
        admin.execute("SET session_replication_role = replica")
        for tenant in tenants:
            for case, grade in ((1, 5), (1, 1), (1, 3), (2, 4)):
                admin.execute(
                    "INSERT INTO supervision_evaluations (tenant_id, case_id, grade, at)"
                    " VALUES (%s, %s, %s, now())",
                    (tenant, case, grade),
                )
        admin.execute("SET session_replication_role = DEFAULT")
        migrate.upgrade(settings, AFTER)
        kept = admin.execute(
            "SELECT tenant_id, case_id, grade FROM supervision_evaluations"
            " ORDER BY tenant_id, case_id"
        ).fetchall()
        assert kept == [(t, c, g) for t in tenants for c, g in ((1, 5), (2, 4))]
        unique = admin.execute(
            "SELECT indisunique FROM pg_index WHERE indexrelid ="
            " 'ux_supervision_evaluations_case'::regclass"
        ).fetchone()
        assert unique == (True,)
