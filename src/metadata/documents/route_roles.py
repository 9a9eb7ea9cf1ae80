"""Approval steps name roles of the catalogue, or nobody could ever act on them.

A route step's `role` (and a parallel branch's) is a key of the role catalogue
(`tenant_templates/roles.yaml`): a typo, or a role a region made up, would give
a step no one can be granted, and every case reaching it would wait forever.
The check walks the routes of a base model, an overlay or a single document
as submitted, so each error points at the value its author wrote. Conditions
(`when`) are JSON Schemas about the record and are not walked.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from yiwang.metadata.documents import pointers
from yiwang.platform.errors import ErrorDetail

_NOT_WALKED = frozenset({"when"})


def _walk(value: Any, pointer: str, roles: Collection[str], out: list[ErrorDetail]) -> None:
    if isinstance(value, Mapping):
        role = value.get("role")
        if isinstance(role, str) and role not in roles:
            out.append(
                ErrorDetail(
                    "metadata.route.role_unknown", pointers.join(pointer, "role"), {"role": role}
                )
            )
        for key, item in value.items():
            if key not in _NOT_WALKED and key != "role":
                _walk(item, pointers.join(pointer, str(key)), roles, out)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _walk(item, pointers.join(pointer, index), roles, out)


def _document_routes(
    document: Any, pointer: str, roles: Collection[str], out: list[ErrorDetail]
) -> None:
    if isinstance(document, Mapping) and isinstance(document.get("routes"), Mapping):
        _walk(document["routes"], pointers.join(pointer, "routes"), roles, out)


def route_role_errors(value: Any, roles: Collection[str]) -> list[ErrorDetail]:
    """Every step role in `value` (a base model, an overlay or one document) that the
    catalogue lacks, with the pointer of the value in `value`."""
    out: list[ErrorDetail] = []
    if not isinstance(value, Mapping):
        return out
    documents = value.get("documents")
    if isinstance(documents, Mapping):
        for key, document in documents.items():
            _document_routes(document, pointers.join("/documents", str(key)), roles, out)
    else:
        _document_routes(value, "", roles, out)
    return out
