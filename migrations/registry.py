"""Import every part's models so `Base.metadata` is complete for Alembic and the tests.

A listed module that does not exist is an error: a silently skipped module
would leave its tables out of every check that walks the metadata.

`compared` is what a comparison of the models with a database leaves out: the
expression indexes the runtime builds on `records` when a version is published
(`runtime.lists.indexes`, named `rx_…`). No migration makes them and no model
declares them, so a bootstrapped database would otherwise show each one as an
index to remove.
"""

from __future__ import annotations

import importlib
from typing import Any

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


def compared(name: str | None, type_: str, parent_names: Any) -> bool:
    """Alembic's `include_name`: whether a database object takes part in the comparison."""
    from yiwang.runtime.lists.indexes import NAME_PREFIX

    return not (type_ == "index" and name is not None and name.startswith(NAME_PREFIX))
