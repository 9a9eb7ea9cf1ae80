"""Alembic environment: migrations run as the owner role, synchronously over psycopg 3."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine, pool

from yiwang.migrations.registry import compared, import_all_models
from yiwang.platform.models import Base
from yiwang.platform.settings import Settings

import_all_models()
config = context.config
target_metadata = Base.metadata
if "app_role" not in config.attributes:  # `uv run alembic ...` with alembic.ini
    from sqlalchemy.engine import make_url

    config.attributes["app_role"] = make_url(Settings.from_env().database_url).username


def database_url() -> str:
    configured = config.attributes.get("url")
    return str(configured or Settings.from_env().migration_database_url)


def run_migrations_offline() -> None:
    context.configure(url=database_url(), target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        context.configure(
            connection=connection, target_metadata=target_metadata, include_name=compared
        )
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = create_engine(database_url(), poolclass=pool.NullPool)
    with engine.connect() as conn:
        context.configure(connection=conn, target_metadata=target_metadata, include_name=compared)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
