"""The one mapping from a field to SQL: which typed expression reads it from a record.

Only field keys from the metadata ever appear in SQL text, and only after
matching the key pattern of the meta-schema; values are always bound
parameters. List queries, rule counts and the expression indexes all take
their SQL from here, so an index is used exactly when a query reads the
field the same way.

Why functions and not `data ->> 'key'`: row-level security evaluates its
policy before any condition that is not leakproof, and PostgreSQL lets only
leakproof conditions become index conditions on a table with RLS. No JSONB
operator is leakproof, so `data ->> 'key' = $1` can never use an index there.
The `yiwang_*` readers (migration 0005) never raise and never look at
anything but their arguments; a superuser marks them LEAKPROOF once
(`LEAKPROOF_STATEMENTS`, run by `yiwang records leakproof`), after which
`yiwang_text(data, 'key') = $1` is an index condition. Without that step
everything still works; filters are then applied after the index scan.

Kinds:
- `text` (text, codes, divisions, departments, persons, references) and
  `date` (the ISO text, which sorts as the dates do): `yiwang_text`;
- `integer` (integer, money in 分): `yiwang_int`, bigint (its comparisons are
  leakproof, numeric's are not);
- `number` (decimal): `yiwang_number`, numeric;
- `boolean`: `yiwang_bool`;
- `instant` (datetime): `yiwang_instant`, immutable because the text always
  carries its offset;
- `codes` (multi_code): the JSON array, matched with `jsonb_exists`;
- `pii`: the blind index of a personal field, for equality only.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Final

KEY: Final = re.compile(r"^[a-z][a-z0-9_]{0,62}$")

KIND_OF_TYPE: Final[Mapping[str, str]] = {
    "text": "text",
    "code": "text",
    "division": "text",
    "department": "text",
    "person": "text",
    "reference": "text",
    "integer": "integer",
    "money": "integer",
    "decimal": "number",
    "boolean": "boolean",
    "date": "date",
    "datetime": "instant",
    "multi_code": "codes",
}
#: kinds a list can be ordered by (and an index can hold)
ORDERABLE: Final = frozenset({"text", "integer", "number", "boolean", "date", "instant"})
INDEXABLE: Final = ORDERABLE | {"pii"}
NUMERIC: Final = frozenset({"integer", "number"})

#: the SQL type a bound value of each kind is cast to
PARAM_TYPE: Final[Mapping[str, str]] = {
    "text": "text",
    "date": "text",
    "integer": "bigint",
    "number": "numeric",
    "boolean": "boolean",
    "instant": "timestamptz",
    "pii": "text",
    "codes": "text",
}

#: run once by a superuser after the migrations (only superusers may mark a function
#: LEAKPROOF); each reader returns NULL for anything it cannot read and never raises
LEAKPROOF_STATEMENTS: Final = (
    "ALTER FUNCTION yiwang_text(jsonb, text) LEAKPROOF",
    "ALTER FUNCTION yiwang_int(jsonb, text) LEAKPROOF",
    "ALTER FUNCTION yiwang_number(jsonb, text) LEAKPROOF",
    "ALTER FUNCTION yiwang_bool(jsonb, text) LEAKPROOF",
)
LEAKPROOF_FUNCTIONS: Final = ("yiwang_text", "yiwang_int", "yiwang_number", "yiwang_bool")


def checked_key(key: str) -> str:
    """A field key safe to quote in SQL text; anything else is a programming error."""
    if not KEY.match(key):
        raise ValueError(f"not a metadata key: {key!r}")
    return key


def kind_of(definition: Mapping[str, Any]) -> str | None:
    """How a field is read for lists: None for tables, attachments and long text."""
    if definition.get("pii"):
        return "pii" if definition["type"] in KIND_OF_TYPE else None
    return KIND_OF_TYPE.get(definition["type"])


def sql_of(kind: str, key: str) -> str:
    """The SQL expression reading field `key` as `kind` from a `records` row."""
    key = checked_key(key)
    if kind in ("text", "date"):
        return f"yiwang_text(data, '{key}')"
    if kind == "integer":
        return f"yiwang_int(data, '{key}')"
    if kind == "number":
        return f"yiwang_number(data, '{key}')"
    if kind == "boolean":
        return f"yiwang_bool(data, '{key}')"
    if kind == "instant":
        return f"yiwang_instant(yiwang_text(data, '{key}'))"
    if kind == "codes":
        return f"(data -> '{key}')"
    if kind == "pii":
        return f"yiwang_text(pii_index, '{key}')"
    raise ValueError(f"unknown kind {kind!r}")
