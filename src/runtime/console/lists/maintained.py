"""Which item types a department maintains in the console, read from the effective model.

A maintained type is a published item type (`kind: item`, `publication.public`) that
staff alone write: it has a staff list view and a staff form, and no citizen form (a
consultation is published too, but citizens ask it). In the base model these are the
power, responsibility, public-service and special-fund lists; a type a model adds the
same way is maintained here with no code. Pure.
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
        published = (document.get("publication") or {}).get("public") is True
        if document.get("kind") != "item" or not published:
            continue
        forms = document.get("forms") or {}
        view = _first(document.get("lists") or {}, "staff")
        form = _first(forms, "staff")
        if view is not None and form is not None and _first(forms, "citizen") is None:
            found.append(Maintained(key, str(document["label"]), view, form))
    return found


def maintained(model: EffectiveModel, key: str) -> Maintained | None:
    return next((m for m in maintained_types(model) if m.key == key), None)
