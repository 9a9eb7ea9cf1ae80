"""A database of its own for a migration test, owned by the migration role, so the shared
one keeps its schema and data: (settings migrating it, its superuser URL)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace

import psycopg
import pytest

from yiwang.platform.settings import Settings


@contextmanager
def scratch_database(admin_dsn: str, name: str) -> Iterator[tuple[Settings, str]]:
    base = admin_dsn.rsplit("/", 1)[0]
    with psycopg.connect(base + "/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {name} OWNER yiwang_owner")
    settings = Settings.from_env()
    owner_url = settings.migration_database_url.rsplit("/", 1)[0] + f"/{name}"
    try:
        yield replace(settings, migration_database_url=owner_url), base + f"/{name}"
    finally:
        with psycopg.connect(base + "/postgres", autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def province(admin: psycopg.Connection) -> int:
    """Gansu's row, the one tenant a migration test's scratch database needs."""
    [(tenant,)] = admin.execute(
        "INSERT INTO tenants (code, name, level, path, depth, slug, template)"
        " VALUES ('620000', '甘肃省', 'province', '/620000', 0, 'gansu', 'gansu')"
        " RETURNING id"
    ).fetchall()
    return int(tenant)


@pytest.fixture
def scratch(request: pytest.FixtureRequest, admin_dsn: str) -> Iterator[tuple[Settings, str]]:
    """`scratch_database` named by the test module's `SCRATCH`."""
    with scratch_database(admin_dsn, request.module.SCRATCH) as found:
        yield found
