"""Only migrations create the schema, and they agree with the models."""

from __future__ import annotations

from typing import Any

import psycopg
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, pool

from yiwang.migrations.registry import compared
from yiwang.platform import migrate
from yiwang.platform.models import Base
from yiwang.platform.settings import Settings


def _tables(admin_sql: psycopg.Connection) -> set[str]:
    rows = admin_sql.execute(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'alembic_version'"
    ).fetchall()
    return {r[0] for r in rows}


def _diff(settings: Settings) -> list[Any]:
    engine = create_engine(settings.migration_database_url, poolclass=pool.NullPool)
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"include_name": compared})
        diff = compare_metadata(context, Base.metadata)
    engine.dispose()
    return list(diff)


def test_models_match_migrations(migrated: Settings) -> None:
    assert _diff(migrated) == []


def test_the_runtimes_record_indexes_are_not_drift_and_any_other_index_is(
    migrated: Settings,
) -> None:
    """A published version's `rx_` indexes are the runtime's; a stray index is still seen."""
    engine = create_engine(migrated.migration_database_url, poolclass=pool.NullPool)
    made = {"rx_probe_0123456789abcdef": "records", "stray_probe_idx": "records"}
    with engine.begin() as conn:
        for name, table in made.items():
            conn.exec_driver_sql(f"CREATE INDEX {name} ON {table} ((data->>'probe'))")
    try:
        removed = {op[1].name for op in _diff(migrated) if op[0] == "remove_index"}
    finally:
        with engine.begin() as conn:
            for name in made:
                conn.exec_driver_sql(f"DROP INDEX IF EXISTS {name}")
        engine.dispose()
    assert removed == {"stray_probe_idx"}


def test_upgrade_downgrade_upgrade(admin_dsn: str) -> None:
    """Runs on a scratch database, so the shared one keeps its data."""
    scratch = "yiwang_migration_check"
    base_dsn = admin_dsn.rsplit("/", 1)[0]
    with psycopg.connect(base_dsn + "/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {scratch} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {scratch} OWNER yiwang_owner")
    settings = Settings.from_env()
    owner_url = settings.migration_database_url.rsplit("/", 1)[0] + f"/{scratch}"
    from dataclasses import replace

    scratch_settings = replace(settings, migration_database_url=owner_url)
    try:
        with psycopg.connect(base_dsn + f"/{scratch}", autocommit=True) as admin:
            migrate.upgrade(scratch_settings)
            full = _tables(admin)
            assert {"tenants", "departments", "calendar_days", "audit_log"} <= full
            migrate.downgrade(scratch_settings, "base")
            assert _tables(admin) == set()
            functions = admin.execute(
                "SELECT count(*) FROM pg_proc WHERE proname LIKE 'yiwang_%'"
            ).fetchone()
            assert functions == (0,)
            migrate.upgrade(scratch_settings)
            assert _tables(admin) == full
    finally:
        with psycopg.connect(base_dsn + "/postgres", autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {scratch} WITH (FORCE)")
