"""Fixtures for the webhook tests: the cases room's units and cleanup, subscribers made
through the service, and removed (with their deliveries) after each test."""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest

from tests.integration.runtime.cases.conftest import case_unit, own_cases  # noqa: F401
from yiwang.platform.settings import Settings
from yiwang.policy.identity.crypto import FieldCipher
from yiwang.policy.identity.settings import IdentitySettings


@pytest.fixture
def cipher(migrated: Settings) -> FieldCipher:
    return IdentitySettings.from_env(migrated).cipher()


@pytest.fixture
def own_subscribers(admin_sql: psycopg.Connection, tag: str) -> Iterator[str]:
    """Removes the subscribers created by this test's actor (`admin-<tag>`)."""
    yield f"admin-{tag}"
    admin_sql.execute(
        "DELETE FROM webhook_deliveries d USING webhook_subscribers s"
        " WHERE d.tenant_id = s.tenant_id AND d.subscriber_id = s.id AND s.created_by LIKE %s",
        (f"%{tag}%",),
    )
    admin_sql.execute("DELETE FROM webhook_subscribers WHERE created_by LIKE %s", (f"%{tag}%",))
