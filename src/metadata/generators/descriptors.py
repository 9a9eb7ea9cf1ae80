"""A form descriptor: everything a client needs to render and check one form.

The 2020-12 schema, its draft-07 twin (same verdicts) and the UI descriptions
for react-jsonschema-form and JSON Forms, built from one effective model.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import msgspec

from yiwang.metadata.generators.draft07 import to_draft07
from yiwang.metadata.generators.record_schema import form_schema
from yiwang.metadata.generators.ui_schemas import jsonforms_ui_schema, rjsf_ui_schema
from yiwang.metadata.resolution.resolve import EffectiveModel
from yiwang.platform.errors import NotFound


def citizen_form_descriptor(
    model: EffectiveModel, code: str, key: str, form: str
) -> dict[str, Any]:
    """The descriptor of a citizen form; staff forms are not public (`metadata.form.not_found`)."""
    document = model.document(key)
    definition = document.get("forms", {}).get(form)
    if definition is None or definition["audience"] != "citizen":
        raise NotFound("metadata.form.not_found", type=key, form=form)
    schema = form_schema(model, key, form)
    return {
        "tenant": code,
        "type": key,
        "form": form,
        "label": definition["label"],
        "content_hash": model.content_hash,
        "schema": schema,
        "schema_draft07": to_draft07(schema),
        "ui_schema": rjsf_ui_schema(model, key, form),
        "uischema": jsonforms_ui_schema(model, key, form),
    }


@dataclass(frozen=True)
class EncodedDescriptor:
    """A descriptor as the bytes a response sends, and the version they belong to."""

    body: bytes
    etag_parts: tuple[str, ...]


def encoded_citizen_form(
    model: EffectiveModel, code: str, key: str, form: str
) -> EncodedDescriptor:
    """Built and encoded once per effective model: later requests reuse the bytes."""
    return model.memo(
        ("citizen_form_bytes", code, key, form),
        lambda: EncodedDescriptor(
            msgspec.json.encode(citizen_form_descriptor(model, code, key, form)),
            (model.content_hash[:20], key, form),
        ),
    )
