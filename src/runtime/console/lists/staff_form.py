"""A staff form as the forms room's renderer draws it: the form's schema and UI
description, the same the server validates against, and its pickers' choices.

Citizen descriptors are public and carry the clients' texts besides; a staff form
needs only what the HTML renderer reads (`schema`, `ui_schema`, `label`). Pure.
"""

from __future__ import annotations

from typing import Any, Final

from yiwang.metadata.generators.form_schema import citizen_fields, form_schema
from yiwang.metadata.generators.ui_schemas import rjsf_ui_schema
from yiwang.metadata.resolution.resolve import EffectiveModel
from yiwang.platform.errors import ErrorDetail
from yiwang.runtime.forms.options import division_options
from yiwang.tenants.directory import TenantDirectory

#: a record's values sit under `/data` in the records service's errors; a form's at the root
DATA_POINTER: Final = "/data"


def staff_form_descriptor(model: EffectiveModel, code: str, key: str, form: str) -> dict[str, Any]:
    """What `forms.rendering.render_form` and `forms.values.read_submission` read."""

    def build() -> dict[str, Any]:
        definition = model.document(key)["forms"][form]
        return {
            "tenant": code,
            "type": key,
            "form": form,
            "label": definition["label"],
            "schema": form_schema(model, key, form),
            "ui_schema": rjsf_ui_schema(model, key, form, code),
        }

    return model.memo(("staff_form", code, key, form), build)


def picker_choices(
    model: EffectiveModel, directory: TenantDirectory, code: str, key: str, form: str
) -> dict[str, list[tuple[str, str]]]:
    """(value, label) of every department and division field of the form (references are
    typed as their ids, as in the citizen form until records are offered there)."""
    document = model.document(key)
    out: dict[str, list[tuple[str, str]]] = {}
    for name in citizen_fields(document, form):
        kind = document["fields"][name]["type"]
        if kind == "department":
            out[name] = [(d.key, d.name) for d in directory.departments_of(code)]
        elif kind == "division":
            out[name] = division_options(directory.tree, code)
    return out


def form_errors(details: list[ErrorDetail]) -> list[ErrorDetail]:
    """The records service's details with their pointers relative to the form (`/data/x`
    becomes `/x`), so that each is shown at its field."""
    prefix = DATA_POINTER
    out = []
    for detail in details:
        pointer = detail.pointer or ""
        if pointer == prefix or pointer.startswith(prefix + "/"):
            pointer = pointer[len(prefix) :]
        out.append(ErrorDetail(detail.code, pointer, detail.params))
    return out
