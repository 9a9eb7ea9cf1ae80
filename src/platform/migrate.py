"""Run Alembic programmatically (`yiwang db upgrade`), always as the owner role."""

from __future__ import annotations

from alembic import command
from alembic.config import Config

from yiwang.platform.settings import PROJECT_ROOT, Settings


def alembic_config(settings: Settings) -> Config:
    cfg = Config(str(PROJECT_ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(settings.migrations_root))
    cfg.attributes["url"] = settings.migration_database_url
    return cfg


def upgrade(settings: Settings, revision: str = "head") -> None:
    command.upgrade(alembic_config(settings), revision)


def downgrade(settings: Settings, revision: str) -> None:
    command.downgrade(alembic_config(settings), revision)


def current(settings: Settings) -> None:
    command.current(alembic_config(settings))
