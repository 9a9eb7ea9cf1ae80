"""Load the base model, example overlays and sample content from `tenant_templates/`.

Layout (one file per document, so a reviewer sees one item type per diff):

    base/code_lists.yaml        shared code lists: {code_lists: {key: list}}
    base/types/<key>.yaml       item types (kind: item)
    base/forms/<key>.yaml       per-service business forms (kind: form)
    base/samples/<key>.yaml     sample records: {type: key, records: [...]}
    overlays/<division>.yaml    a region's overlay, named by its division code

Step 1 of resolution for embedded mode and for seeding the database: every
file is parsed strictly and checked in full here, once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from yiwang.metadata.documents import sources
from yiwang.metadata.documents.base_model import base_model_errors
from yiwang.metadata.documents.errors import MetadataInvalid
from yiwang.metadata.documents.metaschemas import overlay_errors
from yiwang.metadata.documents.problems import Problems, raise_for
from yiwang.metadata.documents.shapes import Document, Model, Overlay
from yiwang.platform.errors import ErrorDetail

T = TypeVar("T")

BASE_DIR = "base"
OVERLAYS_DIR = "overlays"
_DOCUMENT_DIRS = ("types", "forms")


@dataclass(frozen=True)
class SampleSet:
    """Sample records of one item type, as installed in embedded mode."""

    type: str
    records: list[dict[str, Any]]


def _files(directory: Path) -> list[Path]:
    if not directory.is_dir():
        return []
    return sorted(p for p in directory.iterdir() if p.suffix in (*sources.YAML_SUFFIXES, ".json"))


def _parsed(path: Path, root: Path, read: Callable[[Path], T]) -> T:
    """Parse a file; errors carry the file name relative to `root`."""
    try:
        return read(path)
    except MetadataInvalid as exc:
        name = str(path.relative_to(root))
        details = [ErrorDetail(d.code, d.pointer, {**d.params, "file": name}) for d in exc.details]
        raise MetadataInvalid(
            exc.code, pointer=exc.pointer, details=details, **exc.params, file=name
        ) from exc


def load_base_model(root: Path, folder: str = BASE_DIR) -> Model:
    """The base model under `root/<folder>` (`base` unless a tenant template names another),
    checked against meta-schema and document rules."""
    base = root / folder
    problems = Problems()
    shared_file = base / "code_lists.yaml"
    shared = _parsed(shared_file, root, sources.load_mapping) if shared_file.exists() else {}
    documents: dict[str, Document] = {}
    for directory in _DOCUMENT_DIRS:
        for path in _files(base / directory):
            key = path.stem
            if key in documents:
                problems.add("metadata.template.duplicate_document", f"/documents/{key}", key=key)
            documents[key] = _parsed(path, root, sources.load_mapping)
    model, errors = base_model_errors(
        {"code_lists": shared.get("code_lists", {}), "documents": documents}
    )
    problems.extend(errors)
    problems.raise_if_any()
    assert model is not None
    return model


def load_overlay_file(path: Path, root: Path | None = None) -> Overlay:
    """One overlay file, checked against the overlay meta-schema; named by its tenant."""
    body = _parsed(path, root or path.parent, sources.load_mapping)
    raise_for(overlay_errors(body))
    if path.stem != str(body["tenant"]):
        raise_for(
            [
                ErrorDetail(
                    "metadata.template.overlay_name",
                    "/tenant",
                    {"file": path.name, "tenant": body["tenant"]},
                )
            ]
        )
    return Overlay.from_body(body)


def load_overlays(root: Path) -> dict[str, Overlay]:
    """The example overlays under `root/overlays`, by division code."""
    return {
        overlay.tenant: overlay
        for overlay in (load_overlay_file(p, root) for p in _files(root / OVERLAYS_DIR))
    }


def load_samples(root: Path) -> list[SampleSet]:
    """Sample content under `root/base/samples` (validated by the caller's effective model)."""
    samples: list[SampleSet] = []
    for path in _files(root / BASE_DIR / "samples"):
        value = _parsed(path, root, sources.load_mapping)
        samples.append(SampleSet(type=str(value["type"]), records=list(value["records"])))
    return samples
