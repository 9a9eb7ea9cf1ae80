"""Base keys never start with `x_`: that prefix is the regions' own."""

from __future__ import annotations

from collections.abc import Iterator

from yiwang.metadata.documents import pointers
from yiwang.metadata.documents.shapes import Document
from yiwang.platform.errors import ErrorDetail

LOCAL_PREFIX = "x_"


def _keys_of(document: Document, pointer: str) -> Iterator[tuple[str, str]]:
    """Every key a document defines, with its pointer: what `x_` must not start in base."""
    for section in ("fields", "code_lists", "forms", "lists", "routes", "rules", "certificates"):
        for key in document.get(section, {}):
            yield key, pointers.join(pointer, section, key)
    for key, field in document["fields"].items():
        for column in field.get("columns", {}):
            yield column, pointers.join(pointer, "fields", key, "columns", column)
    for form_key, form in document.get("forms", {}).items():
        for index, section in enumerate(form["sections"]):
            yield section["key"], pointers.join(pointer, "forms", form_key, "sections", index)
    for route_key, route in document.get("routes", {}).items():
        for index, step in enumerate(route["steps"]):
            here = pointers.join(pointer, "routes", route_key, "steps", index)
            yield step["key"], pointers.join(here, "key")
            for b_index, branch in enumerate(step.get("branches", [])):
                yield branch["key"], pointers.join(here, "branches", b_index, "key")


def reserved_prefix_errors(document: Document, pointer: str) -> Iterator[ErrorDetail]:
    if document["key"].startswith(LOCAL_PREFIX):
        yield ErrorDetail(
            "metadata.document.x_prefix_reserved",
            pointers.join(pointer, "key"),
            {"key": document["key"]},
        )
    for key, here in _keys_of(document, pointer):
        if key.startswith(LOCAL_PREFIX):
            yield ErrorDetail("metadata.document.x_prefix_reserved", here, {"key": key})
