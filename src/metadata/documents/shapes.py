"""The shapes metadata takes in memory: documents, a model, an overlay.

Documents stay plain JSON values (dicts, lists, strings, numbers), exactly as
they are stored and exchanged; the classes here only group them. Treat every
value reachable from a `Model` as read-only: models share the documents an
overlay did not touch.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from yiwang.metadata.documents.hashing import content_hash

Document = dict[str, Any]
CodeList = dict[str, Any]
OverlayBody = dict[str, Any]


@dataclass(frozen=True)
class Model:
    """Documents (item types and business forms) and the code lists they share, by key."""

    documents: Mapping[str, Document]
    code_lists: Mapping[str, CodeList] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        """The exchange form: `{"code_lists": {...}, "documents": {...}}`."""
        return {"code_lists": dict(self.code_lists), "documents": dict(self.documents)}

    @classmethod
    def from_json(cls, value: Mapping[str, Any]) -> Model:
        return cls(documents=dict(value["documents"]), code_lists=dict(value.get("code_lists", {})))

    def content_hash(self) -> str:
        return content_hash(self.as_json())

    def code_list(self, document: Document, key: str) -> CodeList | None:
        """The list a field of `document` names: the document's own, else a shared one."""
        own: Mapping[str, CodeList] = document.get("code_lists", {})
        return own.get(key) or self.code_lists.get(key)


@dataclass(frozen=True)
class Overlay:
    """One region's changes to the model it inherits, identified by its content hash."""

    tenant: str
    body: OverlayBody
    version: str = ""

    @classmethod
    def from_body(cls, body: OverlayBody) -> Overlay:
        return cls(tenant=str(body["tenant"]), body=body, version=content_hash(body))
