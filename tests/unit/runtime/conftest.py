"""Fixtures for the runtime's pure modules: the bundled province model, resolved once."""

from __future__ import annotations

from pathlib import Path

import pytest

from yiwang.metadata.resolution.resolve import EffectiveModel, base_layer, resolve
from yiwang.metadata.versions.bundled import load_base_model

TEMPLATES = Path(__file__).resolve().parents[3] / "tenant_templates"


@pytest.fixture(scope="session")
def province() -> EffectiveModel:
    return resolve("620000", base_layer("620000", load_base_model(TEMPLATES)), [])
