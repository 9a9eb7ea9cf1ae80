"""A base model in its exchange form, checked in full before anyone may use it.

The exchange form is `{"code_lists": {...}, "documents": {...}}`: what the
templates load into, what the province publishes, what `export` writes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from yiwang.metadata.documents import pointers
from yiwang.metadata.documents.checks import check_model
from yiwang.metadata.documents.metaschemas import (
    document_errors,
    document_is_valid,
    fragment_errors,
)
from yiwang.metadata.documents.problems import Problems
from yiwang.metadata.documents.shapes import Model
from yiwang.platform.errors import ErrorDetail


def base_model_errors(value: Any) -> tuple[Model | None, list[ErrorDetail]]:
    """The model and no errors, or no model and every error, pointers into `value`."""
    problems = Problems()
    if not isinstance(value, Mapping) or not isinstance(value.get("documents"), Mapping):
        problems.add("metadata.base.shape", "/documents")
        return None, problems.details
    code_lists = value.get("code_lists", {})
    if not isinstance(code_lists, Mapping):
        problems.add("metadata.base.shape", "/code_lists")
        return None, problems.details
    for key, code_list in code_lists.items():
        problems.extend(
            fragment_errors("code_list", code_list, pointer=pointers.join("/code_lists", key))
        )
    for key, document in value["documents"].items():
        # jsonschema-rs answers first; python-jsonschema explains only what it refuses
        if not document_is_valid(document):
            here = pointers.join("/documents", key)
            problems.extend(document_errors(document, pointer=here))
    if problems:
        return None, problems.details
    model = Model(documents=dict(value["documents"]), code_lists=dict(code_lists))
    problems.extend(check_model(model, base_layer=True))
    return (None, problems.details) if problems else (model, [])


def parse_base_model(value: Any) -> Model:
    """The checked model; raises `MetadataInvalid` listing every error."""
    model, errors = base_model_errors(value)
    if model is None:
        problems = Problems()
        problems.extend(errors)
        problems.raise_if_any()
    assert model is not None
    return model
