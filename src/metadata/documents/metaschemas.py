"""The two meta-schemas (documents, overlays) and checking values against them.

python-jsonschema gives the error reports authors read; jsonschema-rs answers
"is this valid?" on the resolution path, where inputs were already checked
when they were written and only a guard is needed.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

import jsonschema_rs
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from yiwang.metadata.documents.schema_errors import details_from_errors
from yiwang.platform.errors import ErrorDetail

DOCUMENT_ID = "urn:yiwang:metaschema:document"
OVERLAY_ID = "urn:yiwang:metaschema:overlay"


@cache
def document_metaschema() -> dict[str, Any]:
    """The meta-schema of item-type and business-form documents."""
    return _read("metaschema_document.json")


@cache
def overlay_metaschema() -> dict[str, Any]:
    """The meta-schema of regional overlays."""
    return _read("metaschema_overlay.json")


def _read(name: str) -> dict[str, Any]:
    text = resources.files("yiwang.metadata.documents").joinpath(name).read_text("utf-8")
    value: dict[str, Any] = json.loads(text)
    return value


@cache
def _registry() -> Registry[Any]:
    return Registry().with_resources(
        [
            (DOCUMENT_ID, Resource.from_contents(document_metaschema(), DRAFT202012)),
            (OVERLAY_ID, Resource.from_contents(overlay_metaschema(), DRAFT202012)),
        ]
    )


@cache
def _authoring_validator(schema_id: str, definition: str | None = None) -> Draft202012Validator:
    """A python-jsonschema validator for a meta-schema or one of its `$defs`."""
    if definition is None:
        schema: dict[str, Any] = {"$ref": schema_id}
    else:
        schema = {"$ref": f"{schema_id}#/$defs/{definition}"}
    return Draft202012Validator(
        schema, registry=_registry(), format_checker=Draft202012Validator.FORMAT_CHECKER
    )


@cache
def _fast_validator(schema_id: str) -> Any:
    registry = jsonschema_rs.Registry(
        [(DOCUMENT_ID, document_metaschema()), (OVERLAY_ID, overlay_metaschema())]
    )
    return jsonschema_rs.validator_for(
        {"$schema": "https://json-schema.org/draft/2020-12/schema", "$ref": schema_id},
        registry=registry,
        validate_formats=False,
        offline=True,
    )


def document_errors(document: Any, *, pointer: str = "") -> list[ErrorDetail]:
    """Meta-schema errors of one document; pointers are prefixed with `pointer`."""
    validator = _authoring_validator(DOCUMENT_ID)
    return details_from_errors(validator.iter_errors(document), base_pointer=pointer)


def overlay_errors(overlay: Any, *, pointer: str = "") -> list[ErrorDetail]:
    """Meta-schema errors of one overlay."""
    validator = _authoring_validator(OVERLAY_ID)
    return details_from_errors(validator.iter_errors(overlay), base_pointer=pointer)


def fragment_errors(definition: str, value: Any, *, pointer: str) -> list[ErrorDetail]:
    """Errors of a part of a document (`field`, `step`, `form`...) checked on its own.

    Overlays add whole fields, steps and forms; checking the addition where it
    is written lets the error point into the overlay rather than the result.
    """
    validator = _authoring_validator(DOCUMENT_ID, definition)
    return details_from_errors(validator.iter_errors(value), base_pointer=pointer)


def document_is_valid(document: Any) -> bool:
    """Fast meta-schema verdict (jsonschema-rs); formats are left to the authoring check."""
    return bool(_fast_validator(DOCUMENT_ID).is_valid(document))


def overlay_is_valid(overlay: Any) -> bool:
    """Fast overlay meta-schema verdict (jsonschema-rs)."""
    return bool(_fast_validator(OVERLAY_ID).is_valid(overlay))
