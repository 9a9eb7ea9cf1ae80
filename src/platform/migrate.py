"""Run Alembic programmatically (`yiwang db upgrade`), always as the owner role."""

from __future__ import annotations

from importlib import resources

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import make_url

from yiwang.platform.settings import Settings


def alembic_config(settings: Settings) -> Config:
    """Alembic's configuration, from the installed package (no checkout, no alembic.ini)."""
    cfg = Config()
    cfg.set_main_option("script_location", str(resources.files("yiwang.migrations")))
    cfg.attributes["url"] = settings.migration_database_url
    # Migrations grant the application's role its access; they read its name from here.
    cfg.attributes["app_role"] = make_url(settings.database_url).username or "yiwang_app"
    return cfg


def upgrade(settings: Settings, revision: str = "head") -> None:
    command.upgrade(alembic_config(settings), revision)


def downgrade(settings: Settings, revision: str) -> None:
    command.downgrade(alembic_config(settings), revision)


def current(settings: Settings) -> None:
    command.current(alembic_config(settings))
