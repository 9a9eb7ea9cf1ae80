"""The metadata tests' effective models (base model, example overlays, Gansu tree)."""

from tests.unit.metadata.conftest import (  # noqa: F401  (fixtures shared with metadata)
    base,
    base_model,
    effective,
    overlays,
    parents,
    templates_root,
)
