"""A second, made-up province for the tests that put two provinces on one deployment."""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest

#: a made-up province: its own division file, onboarded with the `standard` template
SHIYAN = """code,name,level,parent_code
990000,试验省,province,
990100,甲市,prefecture,990000
990102,甲市一区,county,990100
990200,乙市,prefecture,990000
990201,乙市一县,county,990200
"""


@pytest.fixture
def purge_shiyan(admin_sql: psycopg.Connection) -> Iterator[None]:
    def purge() -> None:
        ids = "SELECT id FROM tenants WHERE code LIKE '99%'"
        for table in ("metadata_effective", "metadata_drafts", "departments"):
            admin_sql.execute(f"DELETE FROM {table} WHERE tenant_id IN ({ids})")
        admin_sql.execute(
            f"UPDATE metadata_versions SET previous_id = NULL WHERE tenant_id IN ({ids})"
        )
        admin_sql.execute(f"DELETE FROM metadata_versions WHERE tenant_id IN ({ids})")
        admin_sql.execute(f"DELETE FROM calendar_days WHERE province_id IN ({ids})")
        admin_sql.execute("DELETE FROM casbin_rule WHERE v2 LIKE '/990000%'")
        accounts = f"SELECT id FROM accounts WHERE tenant_id IN ({ids})"
        admin_sql.execute(f"DELETE FROM account_activations WHERE account_id IN ({accounts})")
        admin_sql.execute(f"DELETE FROM accounts WHERE tenant_id IN ({ids})")
        for _ in range(3):  # counties, then prefectures, then the province
            admin_sql.execute(
                "DELETE FROM tenants t WHERE code LIKE '99%' AND NOT EXISTS "
                "(SELECT 1 FROM tenants c WHERE c.parent_id = t.id)"
            )
        admin_sql.execute("UPDATE registry_state SET version = version + 1")
        admin_sql.execute("UPDATE policy_state SET version = version + 1")
        admin_sql.execute(
            "UPDATE metadata_state SET generation = nextval('metadata_generation_seq')"
        )

    purge()
    yield
    purge()
