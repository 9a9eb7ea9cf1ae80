"""Which item types a department maintains in the console, read from the effective model.

A maintained type is an item type (`kind: item`) with a staff list view and a staff
form: the base model's power, responsibility, public-service and special-fund lists,
and any type a region's model adds the same way. Pure.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from yiwang.metadata.resolution.resolve import EffectiveModel


@dataclass(frozen=True)
class Maintained:
    key: str
    label: str
    #: the staff list view the list page shows
    view: str
    #: the staff form records are created and edited through
    form: str


def _first(entries: Mapping[str, Any], audience: str) -> str | None:
    return next((k for k, v in entries.items() if v.get("audience") == audience), None)


def maintained_types(model: EffectiveModel) -> list[Maintained]:
    """The types maintained here, in the model's order."""
    found = []
    for key, document in model.documents.items():
        if document.get("kind") != "item":
            continue
        view = _first(document.get("lists") or {}, "staff")
        form = _first(document.get("forms") or {}, "staff")
        if view is not None and form is not None:
            found.append(Maintained(key, str(document["label"]), view, form))
    return found


def maintained(model: EffectiveModel, key: str) -> Maintained | None:
    return next((m for m in maintained_types(model) if m.key == key), None)
