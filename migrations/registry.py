"""Import every part's models so `Base.metadata` is complete for Alembic and the tests.

A listed module that does not exist is an error: a silently skipped module
would leave its tables out of every check that walks the metadata.
"""

from __future__ import annotations

import importlib

MODEL_MODULES = (
    "yiwang.platform.audit",
    "yiwang.policy.identity.models",
    "yiwang.tenants.models",
    "yiwang.policy.models",
    "yiwang.metadata.versions.models",
    "yiwang.runtime.attachments.models",
    "yiwang.runtime.records.models",
    "yiwang.runtime.record_sets.models",
    "yiwang.runtime.cases.models",
    "yiwang.runtime.supervision.models",
    "yiwang.runtime.applications.drafts.models",
    "yiwang.runtime.webhooks.models",
)


def import_all_models() -> None:
    for name in MODEL_MODULES:
        importlib.import_module(name)
