"""A record keeps only attachments it may name.

Every attachment value a client writes (an `attachment` field, each file of an
`attachments` field, a file cell of a table) is resolved through
`AttachmentReferences`, the port the attachments room implements (this room never
imports it), and stored as the server measured it: a verified attachment of the
record's tenant, uploaded for that type and field (`table/column` for a cell) by the
writing account. A value the record already held at the same field is kept as stored
(staff correcting a citizen's application keep the citizen's files). Fields the
platform fills are the platform's and are not looked at. Refusals are listed together,
each at its pointer (`/form/staff_table/0/certificate`). Without the port (a record
service built for samples or seeding) every attachment value is refused.
"""

from __future__ import annotations

import copy
from collections.abc import Collection, Iterator, Mapping
from typing import Any, Protocol

from yiwang.metadata.documents import pointers
from yiwang.metadata.documents.errors import FormInvalid
from yiwang.metadata.documents.shapes import Document
from yiwang.platform.errors import ErrorDetail, InvalidInput
from yiwang.runtime.records.errors import AttachmentUnchecked

#: where a value sits in a record's values: field, then row, column and file index
Path = tuple[str | int, ...]


class StoredAttachment(Protocol):
    def as_dict(self) -> dict[str, Any]: ...


class AttachmentReferences(Protocol):
    """The attachments room's check of one reference (`attachments.references.References`)."""

    async def referenced(
        self,
        tenant_id: int,
        value: Mapping[str, Any],
        *,
        item_type: str,
        field: str,
        owner_account_id: int | None,
    ) -> StoredAttachment:
        """The stored value for `value`; raises an `InvalidInput` naming why not."""
        ...


def cells(document: Document, values: Mapping[str, Any]) -> Iterator[tuple[str, Path]]:
    """Every attachment value of `values`: the field as the attachments room names it
    (`key`, or `table/column`) and its path."""
    for key, field in document["fields"].items():
        value = values.get(key)
        if field["type"] == "table" and isinstance(value, list):
            columns: Mapping[str, Any] = field.get("columns") or {}
            for row_index, row in enumerate(value):
                if isinstance(row, Mapping):
                    for column, spec in columns.items():
                        yield from _files(
                            f"{key}/{column}", spec, row.get(column), (key, row_index, column)
                        )
        else:
            yield from _files(key, field, value, (key,))


def _files(
    name: str, field: Mapping[str, Any], value: Any, path: Path
) -> Iterator[tuple[str, Path]]:
    if field["type"] == "attachment" and isinstance(value, Mapping):
        yield name, path
    elif field["type"] == "attachments" and isinstance(value, list):
        for index, item in enumerate(value):
            if isinstance(item, Mapping):
                yield name, (*path, index)


def _at(values: Any, path: Path) -> Any:
    for token in path:
        values = values[token]
    return values


def _put(values: Any, path: Path, value: Any) -> None:
    _at(values, path[:-1])[path[-1]] = value


def held(document: Document, values: Mapping[str, Any] | None) -> dict[str, dict[str, Any]]:
    """The stored attachment values of a record, by field and key (what an update keeps)."""
    found: dict[str, dict[str, Any]] = {}
    if not values:  # a create holds nothing yet
        return found
    for name, path in cells(document, values or {}):
        stored = _at(values, path)
        if isinstance(stored.get("key"), str):
            found.setdefault(name, {})[stored["key"]] = stored
    return found


_SCALARS: frozenset[type] = frozenset({str, int, float, bool, type(None)})


def copied(value: Any) -> Any:
    """A deep copy of a parsed JSON value: its objects and arrays new, its scalars (which
    are immutable) shared, as `copy.deepcopy` would leave them; anything else is given to
    `copy.deepcopy`. A few times faster than `copy.deepcopy`, which keeps a memo of every
    object it meets (values parsed from a body share no object between two places)."""
    kind = type(value)
    if kind is dict:
        return {k: copied(v) for k, v in value.items()}
    if kind is list:
        return [copied(v) for v in value]
    if kind in _SCALARS:
        return value
    return copy.deepcopy(value)


def raise_refusals(problems: list[ErrorDetail]) -> None:
    """Refuse the write with every problem at its pointer (nothing when there is none)."""
    if problems:
        first = problems[0]
        raise FormInvalid(first.code, pointer=first.pointer, details=problems, **first.params)


async def resolved(
    references: AttachmentReferences | None,
    tenant_id: int,
    type_key: str,
    document: Document,
    values: Mapping[str, Any],
    part: str,
    *,
    owner_account_id: int | None,
    kept: Mapping[str, Mapping[str, Any]] | None = None,
    skip: Collection[str] = (),
) -> tuple[dict[str, Any], list[ErrorDetail]]:
    """`values` with every attachment value replaced by what the server stored, and the
    refusals at their pointers under `/part` (every value, without `references`)."""
    out: dict[str, Any] = copied(dict(values))
    problems: list[ErrorDetail] = []
    for name, path in list(cells(document, values)):
        if path[0] in skip:
            continue
        sent: Mapping[str, Any] = _at(values, path)
        before = (kept or {}).get(name, {}).get(str(sent.get("key")))
        if before is not None:
            _put(out, path, dict(before))
            continue
        try:
            if references is None:
                raise AttachmentUnchecked("records.attachment_unchecked")
            stored = await references.referenced(
                tenant_id, sent, item_type=type_key, field=name, owner_account_id=owner_account_id
            )
        except InvalidInput as refused:
            pointer = pointers.join(f"/{part}", *path)
            problems.append(ErrorDetail(refused.code, pointer, refused.params))
        else:
            _put(out, path, stored.as_dict())
    return out, problems
