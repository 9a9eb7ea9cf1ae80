"""The list compiler's search hook (`compile.SearchClause`) over `search.py`'s bigram index.

A record is found by its item type's search document: the plain-text fields
(`type: text`, not personal data) that any of the type's list views shows, in
the document's field order, joined with U+001F (`search.document`). The
condition is `search.match` on that document, compiled once per set of fields
and number of rechecked terms to SQL text whose only values are bound
parameters (renamed under the compiler's prefix); the field keys are metadata,
bound too, and the query's values fill the parameters of the compiled clause.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.dialects.postgresql.base import PGDialect
from sqlalchemy.sql.elements import ColumnElement

from yiwang.metadata.documents.shapes import Document
from yiwang.runtime.lists import search
from yiwang.runtime.lists.views import View

#: the records table as far as a search reads it
RECORDS: Final = sa.table("records", sa.column("data", JSONB))
#: what the search document is built from
TEXT_TYPES: Final = frozenset({"text"})
_DIALECT: Final = PGDialect(paramstyle="named")  # type: ignore[no-untyped-call]
_PLACEHOLDER: Final = re.compile(r"(?<![:\w]):([A-Za-z_][A-Za-z0-9_]*)")


def search_fields(document: Document) -> tuple[str, ...]:
    """The fields a record of this type is found by, in the document's order."""
    shown: set[str] = set()
    for view in document.get("lists", {}).values():
        shown.update(view.get("columns", []))
    fields: Mapping[str, Any] = document["fields"]
    return tuple(
        key
        for key, definition in fields.items()
        if key in shown and definition.get("type") in TEXT_TYPES and not definition.get("pii")
    )


def document_of(keys: tuple[str, ...]) -> ColumnElement[str]:
    """The search document over these fields of `records.data`, for index and query alike."""
    doc: ColumnElement[str] = search.document(*(RECORDS.c.data[key].astext for key in keys))
    return doc


def record_document(document: Document) -> ColumnElement[str] | None:
    """The search document of a record of this type, or None when nothing is searchable."""
    keys = search_fields(document)
    return document_of(keys) if keys else None


def bigrams_ddl(keys: tuple[str, ...]) -> str:
    """The indexed expression of a type's search index, keys inline (checked metadata keys:
    `indexes.IndexSpec.ddl` checks them; no user text)."""
    expression = search.bigrams(document_of(keys)).compile(
        dialect=_DIALECT, compile_kwargs={"literal_binds": True}
    )
    return str(expression).replace("records.data", "data")


def records_search(
    document: Document, view: View, text: str, prefix: str
) -> tuple[str, dict[str, Any]]:
    """`SearchClause`: the condition matching `text` on a `records` row, and its parameters.

    Raises `SearchQueryInvalid` (`lists.search.*`) for a query the index cannot serve.
    """
    query = search.parse_query(text)
    if query is None:
        return "TRUE", {}
    keys = search_fields(document)
    if not keys:
        return "FALSE", {}
    rechecked = tuple(t for t in query.terms if len(t) > search.RECHECK_FROM)
    sql, params = _clause(keys, len(rechecked), prefix)
    values = {_TSQUERY: query.tsquery, **{_term(i): t for i, t in enumerate(rechecked)}}
    return sql, {name: values.get(value, value) for name, value in params.items()}


#: what stands for the query's values while a clause is compiled (private-use characters,
#: which no parameter of the clause holds otherwise: the rest are field keys)
_TSQUERY: Final = "\ue000tsquery"


def _term(index: int) -> str:
    return f"\ue001{index:02d}"


@functools.lru_cache(maxsize=512)
def _clause(keys: tuple[str, ...], rechecks: int, prefix: str) -> tuple[str, dict[str, Any]]:
    """The clause over these fields for a query with `rechecks` terms to recheck, compiled
    once (compiling it is most of a search's cost in Python): its SQL, and its parameters
    with stand-ins for the query's values."""
    placeholder = search.SearchQuery(
        terms=tuple(_term(i) for i in range(rechecks)), tsquery=_TSQUERY
    )
    compiled = search.match(document_of(keys), placeholder).compile(
        dialect=_DIALECT, compile_kwargs={"render_postcompile": True}
    )
    params = {f"{prefix}_{name}": value for name, value in compiled.params.items()}
    sql = _PLACEHOLDER.sub(lambda m: f":{prefix}_{m.group(1)}", str(compiled))
    return sql, params
