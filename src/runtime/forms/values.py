"""From what a browser posts (`application/x-www-form-urlencoded`) to a JSON payload.

Every value arrives as text. A field left empty is absent, as in the
JavaScript clients (an empty table row is shown again, after the filled
ones, but is no row of the payload); money typed in 元 becomes 分 here, at the HTML edge
(`fen_from_yuan`, exact), the one place a form's money changes unit. What
cannot be read (letters in a number box) is a problem at the field's pointer
and the text stays as typed. Table rows are named `table.row.column`; a row
left entirely empty is no row. A file column is read as a file field is: what a
cell already holds comes back as `_file.table.row.column`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from yiwang.metadata.documents.display import fen_from_yuan, yuan
from yiwang.metadata.documents.pointers import join
from yiwang.platform.errors import ErrorDetail
from yiwang.runtime.forms.fields import FieldSpec, form_specs

#: what the page itself posts beside the fields
ADD_ROW: Final = "_add_row"
REMOVE_ROW: Final = "_remove_row"
#: a stored attachment a file field already holds travels back as `_file.<field>` (its JSON)
FILE_PREFIX: Final = "_file."
#: the keys of an attachment field's value (the metadata's closed value shape)
_FILE_KEYS: Final = frozenset({"key", "name", "size", "content_type", "sha256"})
_INTEGER: Final = re.compile(r"^[+-]?[0-9]+$")
_NUMBER: Final = re.compile(r"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)$")
#: what a posted form looks like: each name with every value sent for it
Posted = Mapping[str, Sequence[str]]


@dataclass
class Submission:
    """The payload read from a post, what the person typed, and what could not be read."""

    payload: dict[str, Any]
    #: by input name: the text (or texts) as typed, for showing the form again
    typed: dict[str, Any]
    problems: list[ErrorDetail] = field(default_factory=list)
    #: rows shown per table
    rows: dict[str, int] = field(default_factory=dict)
    #: per table, where each posted row landed in the payload (a row left empty is none)
    kept_rows: dict[str, dict[int, int]] = field(default_factory=dict)


def _first(posted: Posted, name: str) -> str:
    values = posted.get(name) or [""]
    return values[0].strip()


def _scalar(spec: FieldSpec, text: str, pointer: str, sub: Submission) -> Any:
    """The JSON value of one typed text, or None (absent) with a problem if unreadable."""
    if text == "":
        return None
    kind = spec.kind
    if kind == "integer":
        if _INTEGER.match(text):
            return int(text)
        sub.problems.append(ErrorDetail("forms.value.integer", pointer, {"label": spec.label}))
        return None
    if kind == "number":
        if _NUMBER.match(text):
            number = float(text)
            return int(number) if number.is_integer() and "." not in text else number
        sub.problems.append(ErrorDetail("forms.value.number", pointer, {"label": spec.label}))
        return None
    if kind == "money":
        fen = fen_from_yuan(text)
        if fen is None:
            sub.problems.append(ErrorDetail("forms.value.money", pointer, {"label": spec.label}))
        return fen
    if kind in ("yes_no", "tick"):
        return {"true": True, "false": False}.get(text)
    if kind == "datetime" and len(text) == 16:
        return f"{text}:00+08:00"  # datetime-local has no zone: the platform's is China time
    return text


def read_submission(descriptor: Mapping[str, Any], posted: Posted) -> Submission:
    """The payload and the typed texts of one post of the descriptor's form."""
    sub = Submission(payload={}, typed={})
    for key, spec in form_specs(descriptor).items():
        pointer = join("", key)
        if spec.kind == "table":
            rows = _table(spec, posted, sub)
            if rows:
                sub.payload[key] = rows
        elif spec.kind == "codes":
            chosen = [v for v in posted.get(key, []) if v]
            sub.typed[key] = chosen
            if chosen:
                sub.payload[key] = chosen
        elif spec.kind in ("file", "files"):
            # the page stores uploaded files itself; what a field already holds comes back
            # here and the records room checks it against the stored attachment
            refs = file_refs(posted, key)
            sub.typed[key] = refs
            if refs:
                sub.payload[key] = refs if spec.kind == "files" else refs[0]
        else:
            text = _first(posted, key)
            sub.typed[key] = text
            value = _scalar(spec, text, pointer, sub)
            if value is not None:
                sub.payload[key] = value
    return sub


def file_refs(posted: Posted, key: str) -> list[dict[str, Any]]:
    """The attachment values posted back for the file field `key` (malformed ones dropped)."""
    refs: list[dict[str, Any]] = []
    for text in posted.get(FILE_PREFIX + key, []):
        try:
            value = json.loads(text)
        except ValueError:
            continue
        if isinstance(value, dict) and set(value) == _FILE_KEYS:
            refs.append(value)
    return refs


def _row_count(spec: FieldSpec, posted: Posted) -> int:
    prefix = f"{spec.key}."
    names = [name.removeprefix(FILE_PREFIX) for name in posted]  # a file cell's refs count too
    indexes = {
        int(name[len(prefix) :].split(".", 1)[0])
        for name in names
        if name.startswith(prefix) and name[len(prefix) :].split(".", 1)[0].isdigit()
    }
    shown = _first(posted, f"_rows.{spec.key}")
    return max([*indexes, -1]) + 1 if not shown.isdigit() else max(int(shown), len(indexes))


def _table(spec: FieldSpec, posted: Posted, sub: Submission) -> list[dict[str, Any]]:
    count = _row_count(spec, posted)
    removed = _first(posted, REMOVE_ROW)
    rows: list[dict[str, Any]] = []
    kept = shown = 0
    for index in range(count):
        if removed == f"{spec.key}.{index}":
            continue
        shown += 1
        row: dict[str, Any] = {}
        typed_row: dict[str, Any] = {}
        for column in spec.columns:
            name = f"{spec.key}.{index}.{column.key}"
            if column.kind == "codes":
                chosen = [v for v in posted.get(name, []) if v]
                typed_row[column.key] = chosen
                if chosen:
                    row[column.key] = chosen
                continue
            if column.kind in ("file", "files"):
                # as a top-level file field: what the cell holds comes back as `_file.` refs
                refs = file_refs(posted, name)
                typed_row[column.key] = refs
                if refs:
                    row[column.key] = refs if column.kind == "files" else refs[0]
                continue
            text = _first(posted, name)
            typed_row[column.key] = text
            value = _scalar(column, text, join("", spec.key, len(rows), column.key), sub)
            if value is not None:
                row[column.key] = value
        if any(v not in ("", []) for v in typed_row.values()):
            for column_key, text in typed_row.items():
                sub.typed[f"{spec.key}.{kept}.{column_key}"] = text
            sub.kept_rows.setdefault(spec.key, {})[index] = kept
            kept += 1
            rows.append(row)
    # filled rows first (their pointers are the payload's), the empty ones after
    extra = 1 if _first(posted, ADD_ROW) == spec.key else 0
    sub.rows[spec.key] = shown + extra
    return rows


def typed_from_payload(descriptor: Mapping[str, Any], payload: Mapping[str, Any]) -> Submission:
    """The texts a form shows for a payload (defaults, or a stored record)."""
    sub = Submission(payload=dict(payload), typed={})
    for key, spec in form_specs(descriptor).items():
        value = payload.get(key, spec.schema.get("default"))
        if spec.kind == "table":
            rows = value if isinstance(value, list) else []
            for index, row in enumerate(rows):
                for column in spec.columns:
                    sub.typed[f"{key}.{index}.{column.key}"] = _text(column, row.get(column.key))
            sub.rows[key] = len(rows) or 1
        else:
            sub.typed[key] = _text(spec, value)
    return sub


def _text(spec: FieldSpec, value: Any) -> Any:
    if spec.kind in ("file", "files"):
        # the stored attachments, shown and posted back as `_file.` refs
        held = value if isinstance(value, list) else [value]
        return [v for v in held if isinstance(v, dict)]
    if value is None:
        return [] if spec.kind == "codes" else ""
    if spec.kind == "codes":
        return [str(v) for v in value] if isinstance(value, list) else []
    if isinstance(value, bool):
        return "true" if value else "false"
    if spec.kind == "money" and isinstance(value, int):
        return yuan(value)
    if spec.kind == "datetime" and isinstance(value, str):
        return value[:16]
    return str(value)
