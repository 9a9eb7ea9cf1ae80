"""A form descriptor: everything a client needs to render and check one form.

The form's schema in 2020-12 and draft-07 (one body, the one the server
validates against), the UI descriptions for react-jsonschema-form and JSON
Forms, the Chinese texts each client asks for (chrome, code labels, the
server's error messages) and the widget contract's URLs, built from one
effective model. Internal fields never appear (`form_schema`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import msgspec

from yiwang.metadata.generators.client_messages import form_messages
from yiwang.metadata.generators.form_schema import form_schema
from yiwang.metadata.generators.ui_schemas import (
    CHROME,
    RJSF_STRINGS,
    jsonforms_translations,
    jsonforms_ui_schema,
    rjsf_ui_schema,
    widget_urls,
)
from yiwang.metadata.resolution.resolve import EffectiveModel
from yiwang.platform.conditional import Prepared, etag_for
from yiwang.platform.errors import NotFound


def citizen_form_descriptor(
    model: EffectiveModel, code: str, key: str, form: str
) -> dict[str, Any]:
    """The descriptor of a citizen form; staff forms are not public (`metadata.form.not_found`).

    Built once per effective model and shared: callers must not change it.
    """
    return model.memo(
        ("citizen_form", code, key, form), lambda: _descriptor(model, code, key, form)
    )


def _descriptor(model: EffectiveModel, code: str, key: str, form: str) -> dict[str, Any]:
    document = model.document(key)
    definition = document.get("forms", {}).get(form)
    if definition is None or definition["audience"] != "citizen":
        raise NotFound("metadata.form.not_found", type=key, form=form)
    messages, rule_messages = form_messages(model, key, form)
    return {
        "tenant": code,
        "type": key,
        "form": form,
        "label": definition["label"],
        "content_hash": model.content_hash,
        "schema": form_schema(model, key, form, "2020-12"),
        "schema_draft07": form_schema(model, key, form, "draft-07"),
        "ui_schema": rjsf_ui_schema(model, key, form, code),
        "uischema": jsonforms_ui_schema(model, key, form, code),
        "widgets": widget_urls(code, key, form),
        "messages": messages,
        "rule_messages": rule_messages,
        "i18n": {
            "locale": "zh-CN",
            "chrome": dict(CHROME),
            "rjsf": dict(RJSF_STRINGS),
            "jsonforms": jsonforms_translations(model, key, form, messages),
        },
    }


@dataclass(frozen=True)
class EncodedDescriptor:
    """A descriptor as the bytes a response sends, the version they belong to, and the
    response itself, headers and all, with its ETag."""

    body: bytes
    etag_parts: tuple[str, ...]
    response: Prepared


def encoded_citizen_form(
    model: EffectiveModel, code: str, key: str, form: str
) -> EncodedDescriptor:
    """Built and encoded once per effective model: later requests reuse the bytes."""

    def encode() -> EncodedDescriptor:
        body = msgspec.json.encode(citizen_form_descriptor(model, code, key, form))
        parts = (model.content_hash[:20], key, form)
        return EncodedDescriptor(body, parts, Prepared(body, etag_for(code, *parts)))

    return model.memo(("citizen_form_bytes", code, key, form), encode)
