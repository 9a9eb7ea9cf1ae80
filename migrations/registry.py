"""Import every part's models so `Base.metadata` is complete for Alembic and the tests."""

from __future__ import annotations

import importlib
import importlib.util

MODEL_MODULES = (
    "yiwang.platform.audit",
    "yiwang.policy.identity.models",
    "yiwang.tenants.models",
    "yiwang.policy.models",
    "yiwang.metadata.versions.models",
    "yiwang.runtime.models",
)


def import_all_models() -> None:
    for name in MODEL_MODULES:
        if importlib.util.find_spec(name) is not None:
            importlib.import_module(name)


def app_role() -> str:
    """The application's database role, to which migrations grant access."""
    from sqlalchemy.engine import make_url

    from yiwang.platform.settings import Settings

    name = make_url(Settings.from_env().database_url).username or "yiwang_app"
    if not name.replace("_", "").isalnum():
        raise ValueError(f"unexpected database role name {name!r}")
    return name
