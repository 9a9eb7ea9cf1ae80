"""Rules a document must keep that a meta-schema cannot express.

They run after the meta-schema check passed, so shapes can be trusted here:
references resolve (code lists, item types, fields named by forms, lists,
conditions and rules), bounds are ordered, attachment fields accept only file types
the platform can verify by content, patterns compile in both engines,
defaults are valid values, personal data is never published, promised time
limits stay within statutory ones, and base keys never start with `x_`.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from yiwang.metadata.documents import pointers
from yiwang.metadata.documents.checks.fields import code_list_errors, field_errors, pattern_compiles
from yiwang.metadata.documents.checks.naming import LOCAL_PREFIX, reserved_prefix_errors
from yiwang.metadata.documents.checks.routes import (
    POST_DECISION_KINDS,
    REVIEW_KINDS,
    document_route_errors,
    route_errors,
)
from yiwang.metadata.documents.checks.sections import (
    certificate_errors,
    form_errors,
    list_errors,
    publication_errors,
    rule_errors,
)
from yiwang.metadata.documents.field_types import RESERVED_KEYS
from yiwang.metadata.documents.shapes import Document, Model
from yiwang.platform.errors import ErrorDetail

__all__ = [
    "LOCAL_PREFIX",
    "POST_DECISION_KINDS",
    "REVIEW_KINDS",
    "check_document",
    "check_model",
    "pattern_compiles",
    "route_errors",
]


def check_model(
    model: Model, *, base_layer: bool, pointer: str = "/documents"
) -> list[ErrorDetail]:
    """Every document's rules, with references to item types resolved in `model`."""
    errors: list[ErrorDetail] = list(code_list_errors(model.code_lists, "/code_lists"))
    types = frozenset(model.documents)
    for key, document in model.documents.items():
        here = pointers.join(pointer, key)
        if document.get("key") != key:
            errors.append(
                ErrorDetail(
                    "metadata.document.key_mismatch",
                    pointers.join(here, "key"),
                    {"key": document.get("key"), "expected": key},
                )
            )
        errors.extend(
            check_document(
                document,
                types=types,
                shared_code_lists=model.code_lists,
                base_layer=base_layer,
                pointer=here,
            )
        )
    return errors


def check_document(
    document: Document,
    *,
    types: Collection[str],
    shared_code_lists: Mapping[str, Any] | None = None,
    base_layer: bool,
    pointer: str = "",
) -> list[ErrorDetail]:
    """The rules of one document that already satisfies the meta-schema."""
    errors: list[ErrorDetail] = []
    if base_layer:
        errors.extend(reserved_prefix_errors(document, pointer))
    fields: Mapping[str, Any] = document["fields"]
    own: Mapping[str, Any] = document.get("code_lists", {})
    shared = shared_code_lists or {}
    for key in own:
        if key in shared:
            errors.append(
                ErrorDetail(
                    "metadata.code_list.shadowed",
                    pointers.join(pointer, "code_lists", key),
                    {"code_list": key},
                )
            )
    code_lists = {**shared, **own}
    for key, field in fields.items():
        here = pointers.join(pointer, "fields", key)
        if key in RESERVED_KEYS:
            errors.append(ErrorDetail("metadata.field.key_reserved", here, {"key": key}))
        errors.extend(field_errors(field, here, code_lists, types, fields))
    errors.extend(code_list_errors(own, pointers.join(pointer, "code_lists")))
    errors.extend(form_errors(document, pointer))
    errors.extend(list_errors(document, pointer))
    errors.extend(document_route_errors(document, pointer))
    errors.extend(rule_errors(document, pointer))
    errors.extend(publication_errors(document, pointer))
    errors.extend(certificate_errors(document, pointer, code_lists))
    return errors
