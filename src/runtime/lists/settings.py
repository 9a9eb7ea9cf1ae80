"""Who builds the list indexes: this process (with the owner's credentials) or a command.

YIWANG_BUILD_INDEXES   "process": after a publish commits, the worker builds the
                       wanted indexes itself over the owner's connection
                       (MIGRATION_DATABASE_URL); "command": nothing is built until
                       `yiwang records build-indexes` runs as the owner (production,
                       where application processes hold no owner credentials).
                       Default: "process" in development and test, else "command".
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from yiwang.platform.settings import Settings

_MODES = ("process", "command")


@dataclass(frozen=True)
class IndexSettings:
    build_in_process: bool
    owner_url: str
    admin_url: str | None = None

    @classmethod
    def from_env(
        cls, settings: Settings, environ: Mapping[str, str] | None = None
    ) -> IndexSettings:
        env = os.environ if environ is None else environ
        default = "process" if settings.environment in ("development", "test") else "command"
        mode = env.get("YIWANG_BUILD_INDEXES") or default
        if mode not in _MODES:
            mode = default
        return cls(
            build_in_process=mode == "process",
            owner_url=settings.migration_database_url,
            admin_url=env.get("YIWANG_PG_ADMIN_URL") or None,
        )
