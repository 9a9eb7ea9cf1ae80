"""Real route fixtures: effective models resolved from tenant_templates/ the way the platform does.

Plain cached functions rather than fixtures, so Hypothesis state machines can
use them too.
"""

from __future__ import annotations

import csv
from datetime import datetime, timedelta, timezone
from functools import cache
from pathlib import Path

from yiwang.metadata.resolution.resolve import EffectiveModel, base_layer, overlay_chain, resolve
from yiwang.metadata.versions.bundled import load_base_model, load_overlays
from yiwang.runtime.routes.actions import Actor
from yiwang.runtime.routes.spec import RouteSpec, effective_route

TEMPLATES = Path(__file__).resolve().parents[4] / "tenant_templates"
PROVINCE = "620000"
LANZHOU = "620100"
CHENGGUAN = "620102"
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=timezone(timedelta(hours=8)))


@cache
def effective(tenant: str) -> EffectiveModel:
    base = base_layer(PROVINCE, load_base_model(TEMPLATES))
    with (TEMPLATES / "gansu-divisions.csv").open(encoding="utf-8") as handle:
        parents = {row["code"]: (row["parent_code"] or None) for row in csv.DictReader(handle)}
    return resolve(tenant, base, overlay_chain(tenant, parents, load_overlays(TEMPLATES)))


def route(tenant: str, document: str, key: str) -> RouteSpec:
    return effective_route(effective(tenant), document, key)


def every_route(tenant: str) -> list[RouteSpec]:
    model = effective(tenant)
    return [
        route(tenant, key, route_key)
        for key, document in sorted(model.documents.items())
        for route_key in sorted(document.get("routes", {}))
    ]


def staff(
    actor_id: str, *roles: str, department: str | None = None, tenant: str = CHENGGUAN
) -> Actor:
    return Actor(id=actor_id, tenant=tenant, roles=frozenset(roles), department=department)


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)
