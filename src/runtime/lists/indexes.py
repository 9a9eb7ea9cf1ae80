"""The expression indexes list views need, as whitelisted specifications, and their DDL.

Each `indexed` field of an item type gets `(tenant_id, <field>, id)`; each
list view with a sort gets `(tenant_id, <sort keys>, id)` and, for every
indexed filter of the view, `(tenant_id, <filter>, <sort keys>, id)`. Every
index is partial on its item type and live records, so other types' inserts
never touch it. Expressions come from `expressions.sql_of`, the same function
list queries use, so the planner matches them.

Who builds them: the application's role owns no table and cannot create an
index, and CREATE INDEX CONCURRENTLY cannot run inside a transaction, so not
inside a SECURITY DEFINER function either. A publish (as the app role)
therefore only records the specifications it wants in `record_indexes`; the
owner builds them outside any transaction (`yiwang records build-indexes`,
or the in-process builder where the owner's credentials are configured).
The owner never trusts the stored text: it parses each specification through
`IndexSpec.from_json` (keys matching the metadata key pattern, kinds from a
closed set) and renders the DDL itself, so whoever can write that table can
at most ask for another index of the same shape.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from yiwang.metadata.documents.shapes import Document
from yiwang.metadata.resolution.resolve import EffectiveModel
from yiwang.runtime.lists import record_search
from yiwang.runtime.records.expressions import INDEXABLE, KEY, checked_key, kind_of, sql_of

NAME_PREFIX: Final = "rx_"
#: the kind of a search index's parts: a GIN index over the fields' bigrams
SEARCH: Final = "search"
#: no item type asks for more; more is a broken overlay, not a need
MAX_INDEXES_PER_TYPE: Final = 64


@dataclass(frozen=True)
class IndexPart:
    field: str
    kind: str
    descending: bool = False


@dataclass(frozen=True)
class IndexSpec:
    type_key: str
    parts: tuple[IndexPart, ...]

    @property
    def name(self) -> str:
        digest = hashlib.sha256(json.dumps(self.as_json(), sort_keys=True).encode())
        return f"{NAME_PREFIX}{self.type_key[:36]}_{digest.hexdigest()[:16]}"

    def as_json(self) -> dict[str, Any]:
        return {
            "type_key": self.type_key,
            "parts": [
                {"field": p.field, "kind": p.kind, "order": "desc" if p.descending else "asc"}
                for p in self.parts
            ],
        }

    @classmethod
    def from_json(cls, value: Any) -> IndexSpec:
        """Parse a stored specification strictly; anything unexpected is a ValueError."""
        if not isinstance(value, Mapping) or set(value) != {"type_key", "parts"}:
            raise ValueError("an index specification has type_key and parts")
        type_key, parts = value["type_key"], value["parts"]
        if not isinstance(type_key, str) or not KEY.match(type_key):
            raise ValueError("type_key")
        if not isinstance(parts, list) or not 1 <= len(parts) <= 8:
            raise ValueError("parts")
        parsed = []
        for part in parts:
            if not isinstance(part, Mapping) or set(part) != {"field", "kind", "order"}:
                raise ValueError("part")
            field, kind, order = part["field"], part["kind"], part["order"]
            if not isinstance(field, str) or not KEY.match(field):
                raise ValueError("field")
            if kind not in INDEXABLE | {SEARCH} or order not in ("asc", "desc"):
                raise ValueError("kind or order")
            parsed.append(IndexPart(field, kind, order == "desc"))
        searched = [p.kind == SEARCH for p in parsed]
        if any(searched) and not all(searched):
            raise ValueError("a search index has search parts only")
        return cls(type_key, tuple(parsed))

    @property
    def is_search(self) -> bool:
        return bool(self.parts) and all(p.kind == SEARCH for p in self.parts)

    def ddl(self) -> str:
        """CREATE INDEX CONCURRENTLY for this specification, from fixed fragments only."""
        type_key = checked_key(self.type_key)
        where = f" WHERE type_key = '{type_key}' AND deleted_at IS NULL"
        if self.is_search:
            keys = tuple(checked_key(p.field) for p in self.parts)
            return (
                f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {self.name} ON records"
                f" USING gin ({record_search.bigrams_ddl(keys)}){where}"
            )
        columns = ["tenant_id"]
        for part in self.parts:
            if part.kind not in INDEXABLE:
                raise ValueError(part.kind)
            columns.append(sql_of(part.kind, part.field) + (" DESC" if part.descending else ""))
        columns.append("id")
        return (
            f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {self.name} ON records"
            f" ({', '.join(columns)})"
            f" WHERE type_key = '{type_key}' AND deleted_at IS NULL"
        )


def _part(document: Document, key: str, descending: bool = False) -> IndexPart | None:
    definition = document["fields"].get(key)
    if definition is None:
        return None
    kind = kind_of(definition)
    if kind not in INDEXABLE:
        return None
    assert kind is not None
    return IndexPart(key, kind, descending)


def document_indexes(document: Document) -> list[IndexSpec]:
    """The indexes one item type's fields and views want, in a stable order."""
    type_key = document["key"]
    out: dict[str, IndexSpec] = {}

    def want(parts: Iterable[IndexPart | None]) -> None:
        chosen = tuple(parts)
        if chosen and all(p is not None for p in chosen):
            spec = IndexSpec(type_key, tuple(p for p in chosen if p is not None))
            out.setdefault(spec.name, spec)

    for key, definition in document["fields"].items():
        if definition.get("indexed"):
            want([_part(document, key)])
    searched = record_search.search_fields(document)
    if searched:
        want([IndexPart(key, SEARCH) for key in searched])
    for view in document.get("lists", {}).values():
        sort = [_part(document, s["field"], s.get("order") == "desc") for s in view.get("sort", [])]
        if not sort or any(p is None for p in sort):
            continue
        want(sort)
        sorted_fields = {s["field"] for s in view.get("sort", [])}
        for key in view.get("filters", []):
            if key in sorted_fields or not document["fields"].get(key, {}).get("indexed"):
                continue
            want([_part(document, key), *sort])
    return list(out.values())[:MAX_INDEXES_PER_TYPE]


def wanted(models: Iterable[EffectiveModel]) -> dict[str, IndexSpec]:
    """Every index the item types of `models` want, by name."""
    out: dict[str, IndexSpec] = {}
    for model in models:
        for document in model.documents.values():
            if document.get("kind") == "item":
                for spec in document_indexes(document):
                    out.setdefault(spec.name, spec)
    return out
