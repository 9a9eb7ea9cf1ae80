"""A list view as the metadata defines it: columns, what may be filtered and sorted.

The whitelist of a list query: only a view's `filters` can be filtered on,
only its `sort` fields and its indexed columns can be sorted by. A type
without views gets a plain one (its first readable fields, newest first).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from yiwang.metadata.documents.shapes import Document
from yiwang.runtime.lists.errors import ViewUnknown
from yiwang.runtime.records.expressions import ORDERABLE, kind_of

DEFAULT_PAGE_SIZE: Final = 20
MAX_PAGE_SIZE: Final = 200
#: the columns of the plain view of a type that defines none
PLAIN_COLUMNS: Final = 8


@dataclass(frozen=True)
class SortKey:
    field: str
    descending: bool = False


@dataclass(frozen=True)
class View:
    type_key: str
    key: str
    label: str
    audience: str
    columns: tuple[str, ...]
    filters: tuple[str, ...]
    sort: tuple[SortKey, ...]
    page_size: int

    def sortable(self, document: Document) -> tuple[str, ...]:
        """The view's sort fields, then its indexed columns that can be ordered."""
        fields: Mapping[str, Any] = document["fields"]
        out = [s.field for s in self.sort]
        for key in self.columns:
            definition = fields.get(key, {})
            if key not in out and definition.get("indexed") and kind_of(definition) in ORDERABLE:
                out.append(key)
        return tuple(out)

    def describe(self, document: Document) -> dict[str, Any]:
        fields = document["fields"]
        return {
            "key": self.key,
            "label": self.label,
            "audience": self.audience,
            "columns": [
                {"key": k, "label": fields[k]["label"], "type": fields[k]["type"]}
                for k in self.columns
                if k in fields
            ],
            "filters": list(self.filters),
            "sortable": list(self.sortable(document)),
            "sort": [
                {"field": s.field, "order": "desc" if s.descending else "asc"} for s in self.sort
            ],
            "page_size": self.page_size,
        }


def _of(type_key: str, key: str, raw: Mapping[str, Any]) -> View:
    return View(
        type_key=type_key,
        key=key,
        label=str(raw["label"]),
        audience=str(raw["audience"]),
        columns=tuple(raw["columns"]),
        filters=tuple(raw.get("filters", ())),
        sort=tuple(
            SortKey(s["field"], s.get("order", "asc") == "desc") for s in raw.get("sort", ())
        ),
        page_size=int(raw.get("page_size", DEFAULT_PAGE_SIZE)),
    )


def views_of(document: Document) -> dict[str, View]:
    return {k: _of(document["key"], k, v) for k, v in document.get("lists", {}).items()}


def view_of(document: Document, key: str | None) -> View:
    """The named view; without a name the first staff view, the first view, or a plain one."""
    views = views_of(document)
    if key is not None:
        if key not in views:
            raise ViewUnknown(
                "lists.view_unknown", pointer="/view", view=key[:64], type_label=document["label"]
            )
        return views[key]
    for view in views.values():
        if view.audience == "staff":
            return view
    if views:
        return next(iter(views.values()))
    readable = [
        k for k, f in document["fields"].items() if kind_of(f) in ORDERABLE and not f.get("pii")
    ]
    return View(
        type_key=document["key"],
        key="",
        label=str(document["label"]),
        audience="staff",
        columns=tuple(readable[:PLAIN_COLUMNS]),
        filters=(),
        sort=(),
        page_size=DEFAULT_PAGE_SIZE,
    )
