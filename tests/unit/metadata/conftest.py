"""Fixtures: the repository's base model, example overlays and the Gansu tree."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from yiwang.metadata.documents.shapes import Model, Overlay
from yiwang.metadata.resolution.resolve import (
    EffectiveModel,
    Layer,
    base_layer,
    overlay_chain,
    resolve,
)
from yiwang.metadata.versions.bundled import load_base_model, load_overlays

TEMPLATES = Path(__file__).resolve().parents[3] / "tenant_templates"
PROVINCE = "620000"


@pytest.fixture(scope="session")
def templates_root() -> Path:
    return TEMPLATES


@pytest.fixture(scope="session")
def base_model() -> Model:
    return load_base_model(TEMPLATES)


@pytest.fixture(scope="session")
def overlays() -> dict[str, Overlay]:
    return load_overlays(TEMPLATES)


@pytest.fixture(scope="session")
def parents() -> dict[str, str | None]:
    with (TEMPLATES / "gansu-divisions.csv").open(encoding="utf-8") as handle:
        return {row["code"]: (row["parent_code"] or None) for row in csv.DictReader(handle)}


@pytest.fixture(scope="session")
def base(base_model: Model) -> Layer:
    return base_layer(PROVINCE, base_model)


@pytest.fixture(scope="session")
def effective(
    base: Layer, overlays: dict[str, Overlay], parents: dict[str, str | None]
) -> dict[str, EffectiveModel]:
    """Effective models of the province, 兰州市, 城关区, 榆中县 and 嘉峪关市."""
    return {
        code: resolve(code, base, overlay_chain(code, parents, overlays))
        for code in (PROVINCE, "620100", "620102", "620123", "620200")
    }
