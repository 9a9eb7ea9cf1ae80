"""What the citizen page tests share: a client of the whole app, and the accounts they made."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import psycopg
import pytest

from tests.integration.http_client import client_for
from tests.integration.runtime.cases.conftest import purge_cases
from tests.integration.runtime.portal.signing import Client
from yiwang.platform.settings import Settings
from yiwang.tenants.tree import TenantTree

FEEDBACK_TABLES = (
    "supervision_complaints",
    "supervision_evaluations",
    "supervision_case_facts",
    "supervision_orders",
)


@pytest.fixture
async def client(
    migrated: Settings, installed: TenantTree, tmp_path: Path
) -> AsyncIterator[Client]:
    async with client_for(migrated, var_dir=tmp_path) as made:
        yield made


@pytest.fixture
def accounts(admin_sql: psycopg.Connection) -> Iterator[list[int]]:
    """Citizens the test registered: their cases and accounts are removed afterwards."""
    made: list[int] = []
    yield made
    for account_id in made:
        for table in FEEDBACK_TABLES:  # what the citizen said about their cases goes first
            admin_sql.execute(
                f"DELETE FROM {table} WHERE case_id IN (SELECT id FROM cases WHERE submitter = %s)",
                (f"account:{account_id}",),
            )
        purge_cases(admin_sql, f"account:{account_id}")
        admin_sql.execute("DELETE FROM accounts WHERE id = %s", (account_id,))
