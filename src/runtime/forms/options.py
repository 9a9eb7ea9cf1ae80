"""What a form's pickers may choose from: one answer shape for every kind of field.

`GET /api/v1/t/{code}/forms/{type}/{form}/options/{field}` answers
`{"field", "kind", "options": [{"value", "label"}]}` for a field the citizen
form shows (`table.column` for a column): a department picks among the
tenant's departments, a division among the divisions of the tenant's
province (labelled with their full names), a code among its list's values.
A reference picks among published records of its `ref_type`: records are
not built yet, so `ReferenceOptions` is the hook they will fill; until then
it answers no options and the widget falls back to typing the id.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from yiwang.metadata.documents.shapes import Document
from yiwang.metadata.generators.form_schema import citizen_fields
from yiwang.metadata.versions.service import MetadataService
from yiwang.platform.errors import NotFound
from yiwang.tenants.directory import TenantDirectory
from yiwang.tenants.tree import TenantTree

#: (tenant code, referenced item type) -> (value, label) pairs; the records room plugs in here
ReferenceOptions = Callable[[str, str], Awaitable[list[tuple[str, str]]]]


async def no_references(code: str, ref_type: str) -> list[tuple[str, str]]:
    """Until records exist there is nothing to refer to."""
    return []


def picked_field(document: Document, form: str, path: str) -> Mapping[str, Any] | None:
    """The citizen-form field (or `table.column`) at `path`, if the form shows it."""
    key, _, column = path.partition(".")
    if key not in citizen_fields(document, form):
        return None
    field: Mapping[str, Any] = document["fields"][key]
    if column:
        found: Mapping[str, Any] | None = field.get("columns", {}).get(column)
        return found
    return field


def division_options(tree: TenantTree, code: str) -> list[tuple[str, str]]:
    """The divisions of `code`'s province, each with its full name (甘肃省兰州市城关区)."""
    root = tree.root_of(code)
    nodes = [root, *tree.descendants(root.code)]
    return [(n.code, "".join(a.name for a in tree.chain(n.code))) for n in nodes]


class FormOptions:
    """Answers the options endpoint from the effective model and the tenant directory."""

    def __init__(
        self,
        metadata: MetadataService,
        directory: TenantDirectory,
        tree: TenantTree,
        references: ReferenceOptions = no_references,
    ) -> None:
        self.metadata = metadata
        self.directory = directory
        self.tree = tree
        self.references = references

    async def choices(self, code: str, key: str, form: str, path: str) -> list[tuple[str, str]]:
        """(value, label) pairs for one field, or `forms.options.field_unknown`."""
        document = (await self.metadata.effective(code)).document(key)
        definition = document.get("forms", {}).get(form)
        if definition is None or definition["audience"] != "citizen":
            raise NotFound("metadata.form.not_found", type=key, form=form)
        field = picked_field(document, form, path)
        kind = field["type"] if field else None
        if field is None or kind not in (
            "department",
            "division",
            "reference",
            "code",
            "multi_code",
        ):
            raise NotFound("forms.options.field_unknown", form=form, field=path)
        if kind == "department":
            return [(d.key, d.name) for d in self.directory.departments_of(code)]
        if kind == "division":
            return division_options(self.tree, code)
        if kind == "reference":
            return await self.references(code, field["ref_type"])
        values = document["code_lists"][field["code_list"]]["values"]
        return [(v["code"], v["label"]) for v in values]

    async def answer(self, code: str, key: str, form: str, path: str) -> dict[str, Any]:
        document = (await self.metadata.effective(code)).document(key)
        choices = await self.choices(code, key, form, path)
        field = picked_field(document, form, path) or {}
        return {
            "field": path,
            "kind": field.get("type"),
            "options": [{"value": v, "label": label} for v, label in choices],
        }

    async def for_form(self, code: str, key: str, form: str) -> dict[str, list[tuple[str, str]]]:
        """Choices of every picker of a form, for a page that renders it on the server."""
        document = (await self.metadata.effective(code)).document(key)
        out: dict[str, list[tuple[str, str]]] = {}
        for name in citizen_fields(document, form):
            field = document["fields"][name]
            paths = [name] + [f"{name}.{c}" for c in field.get("columns", {})]
            for path in paths:
                picked = picked_field(document, form, path)
                if picked and picked["type"] in ("department", "division", "reference"):
                    out[path] = await self.choices(code, key, form, path)
        return out
