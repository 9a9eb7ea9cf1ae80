"""Apply one region's overlay to the model it inherits (step 2 of resolution).

The overlay is checked against its meta-schema, then applied section by
section; every refused change is collected with the pointer of the overlay
value that asked for it, so an author sees all problems at once. Documents the
overlay does not touch are shared with the inherited model, never copied.
"""

from __future__ import annotations

from typing import Any

from yiwang.metadata.documents import pointers
from yiwang.metadata.documents.hashing import json_copy
from yiwang.metadata.documents.metaschemas import overlay_errors, overlay_is_valid
from yiwang.metadata.documents.problems import Problems
from yiwang.metadata.documents.shapes import Document, Model, Overlay
from yiwang.metadata.overlays.codes import apply_code_list_patch, apply_code_list_patches
from yiwang.metadata.overlays.fields import apply_field_patches
from yiwang.metadata.overlays.routes import apply_route_patches
from yiwang.metadata.overlays.rules import apply_rule_patches
from yiwang.metadata.overlays.views import (
    apply_form_patches,
    apply_list_patches,
    apply_publication_patch,
)


def check_overlay_shape(body: Any) -> None:
    """Refuse an overlay that breaks the overlay meta-schema."""
    problems = Problems()
    problems.extend(overlay_errors(body))
    problems.raise_if_any()


def apply_overlay(model: Model, overlay: Overlay) -> Model:
    """The model after `overlay`; raises `MetadataInvalid` listing every refused change."""
    body = overlay.body
    if not overlay_is_valid(body):
        check_overlay_shape(body)
    problems = Problems()
    code_lists = dict(model.code_lists)
    for key, patch in body.get("code_lists", {}).items():
        here = pointers.join("/code_lists", key)
        if key not in code_lists:
            problems.add("metadata.overlay.unknown_target", here, key=key)
            continue
        code_lists[key] = json_copy(code_lists[key])
        apply_code_list_patch(code_lists[key], patch, here, problems)
    documents = dict(model.documents)
    for key, patch in body.get("documents", {}).items():
        here = pointers.join("/documents", key)
        if key not in documents:
            problems.add("metadata.overlay.unknown_target", here, key=key)
            continue
        documents[key] = json_copy(documents[key])
        _document(documents[key], patch, here, problems)
    problems.raise_if_any()
    return Model(documents=documents, code_lists=code_lists)


def _document(document: Document, patch: dict[str, Any], pointer: str, problems: Problems) -> None:
    for name in ("label", "description"):
        if name in patch:
            document[name] = patch[name]
    if "code_lists" in patch:
        apply_code_list_patches(
            document.setdefault("code_lists", {}),
            patch["code_lists"],
            pointers.join(pointer, "code_lists"),
            problems,
        )
    if "fields" in patch:
        apply_field_patches(
            document["fields"], patch["fields"], pointers.join(pointer, "fields"), problems
        )
    if "forms" in patch:
        apply_form_patches(
            document.setdefault("forms", {}),
            patch["forms"],
            document["fields"],
            pointers.join(pointer, "forms"),
            problems,
        )
    if "lists" in patch:
        apply_list_patches(
            document.setdefault("lists", {}),
            patch["lists"],
            pointers.join(pointer, "lists"),
            problems,
        )
    if "routes" in patch:
        apply_route_patches(
            document.setdefault("routes", {}),
            patch["routes"],
            pointers.join(pointer, "routes"),
            problems,
        )
    if "rules" in patch:
        apply_rule_patches(
            document.setdefault("rules", {}),
            patch["rules"],
            pointers.join(pointer, "rules"),
            problems,
        )
    if "publication" in patch:
        apply_publication_patch(document.setdefault("publication", {}), patch["publication"])
