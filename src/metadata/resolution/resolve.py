"""A tenant's effective model, resolved as a pipeline of small named steps.

1. load       the base model and the overlays of the tenant's ancestors and
              its own (`templates` from files, the version store from the
              database): each checked once, when written;
2. apply      the overlays down the tree, province -> prefecture -> county
              (`apply_overlays`);
3. check      what the overlays changed against the meta-schema and the
              document rules (`check_layers`);
4. freeze     into an immutable `EffectiveModel` with a content hash, shared
              code lists copied into each document (`freeze`);
5. generate   schemas and UI descriptions on demand from the frozen model
              (`record_schema`, `ui_schemas`, `openapi`), memoised on it.

Each step is a plain function of its inputs; `resolve` runs 2-4.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from yiwang.metadata.documents.checks import check_document
from yiwang.metadata.documents.errors import MetadataInvalid
from yiwang.metadata.documents.hashing import content_hash
from yiwang.metadata.documents.metaschemas import document_errors, document_is_valid
from yiwang.metadata.documents.problems import Problems, raise_for
from yiwang.metadata.documents.shapes import Document, Model, Overlay
from yiwang.metadata.overlays.apply import apply_overlay
from yiwang.platform.errors import ErrorDetail, NotFound

T = TypeVar("T")


@dataclass(frozen=True)
class Layer:
    """The model as one tenant's layer leaves it, and the version that made it."""

    tenant: str
    source: str
    model: Model


@dataclass(frozen=True, eq=False)
class EffectiveModel:
    """A tenant's resolved model: read-only, identified by its content hash.

    `layers` keeps the model as each ancestor left it, which the generators
    need to build a regional schema as the base schema plus its own parts.
    """

    tenant: str
    layers: tuple[Layer, ...]
    documents: Mapping[str, Document]
    content_hash: str
    _memo: dict[tuple[Any, ...], Any] = field(default_factory=dict, repr=False)

    @property
    def versions(self) -> tuple[str, ...]:
        """The versions (content hashes) of the base and each overlay applied."""
        return tuple(layer.source for layer in self.layers)

    def document(self, key: str) -> Document:
        try:
            return self.documents[key]
        except KeyError:
            raise NotFound("metadata.document.not_found", type=key) from None

    def layer_documents(self, key: str) -> list[tuple[str, Document]]:
        """(tenant, document) as each layer left document `key`, base first."""
        self.document(key)
        return [(layer.tenant, layer.model.documents[key]) for layer in self.layers]

    def memo(self, key: tuple[Any, ...], build: Callable[[], T]) -> T:
        """Build a generated artefact once per effective model."""
        if key not in self._memo:
            self._memo[key] = build()
        value: T = self._memo[key]
        return value


def base_layer(tenant: str, model: Model) -> Layer:
    """The root layer: the base model as its owner (the province) published it."""
    return Layer(tenant=tenant, source=model.content_hash(), model=model)


def apply_overlays(base: Layer, overlays: Sequence[Overlay]) -> tuple[Layer, ...]:
    """Step 2: each overlay onto the layer above it; errors name the overlay's tenant."""
    layers: tuple[Layer, ...] = (base,)
    for overlay in overlays:
        layers = add_layer(layers, overlay)
    return layers


def add_layer(layers: Sequence[Layer], overlay: Overlay) -> tuple[Layer, ...]:
    """`layers` plus the one `overlay` makes on top of the last of them."""
    try:
        model = apply_overlay(layers[-1].model, overlay)
    except MetadataInvalid as exc:
        raise _for_tenant(exc, overlay.tenant) from exc
    return (*layers, Layer(tenant=overlay.tenant, source=overlay.version, model=model))


def _for_tenant(exc: MetadataInvalid, tenant: str) -> MetadataInvalid:
    details = [ErrorDetail(d.code, d.pointer, {**d.params, "tenant": tenant}) for d in exc.details]
    return MetadataInvalid(
        exc.code, pointer=exc.pointer, details=details, **exc.params, tenant=tenant
    )


def changed_documents(layers: Sequence[Layer]) -> list[str]:
    """Keys of documents some overlay changed (the base ones were checked on publish).

    Shared code lists need no second look: overlays can only add and relabel
    values there, which no document rule can object to.
    """
    base = layers[0].model.documents
    final = layers[-1].model
    return [k for k, d in final.documents.items() if base.get(k) is not d]


def check_layers(layers: Sequence[Layer]) -> None:
    """Step 3: the changed documents satisfy the meta-schema and every document rule."""
    if len(layers) < 2:
        return
    final = layers[-1]
    problems = Problems()
    types = frozenset(final.model.documents)
    for key in changed_documents(layers):
        document = final.model.documents[key]
        pointer = f"/documents/{key}"
        if not document_is_valid(document):
            errors = document_errors(document, pointer=pointer)
            if errors:
                problems.extend(errors)
                continue
        problems.extend(
            check_document(
                document,
                types=types,
                shared_code_lists=final.model.code_lists,
                base_layer=False,
                pointer=pointer,
            )
        )
    details = [
        ErrorDetail(d.code, d.pointer, {**d.params, "tenant": final.tenant}) for d in problems
    ]
    raise_for(details)


def inline_code_lists(document: Document, shared: Mapping[str, Any]) -> Document:
    """The document with the shared code lists it uses copied in: it stands alone."""
    own: dict[str, Any] = document.get("code_lists", {})
    used = {k: shared[k] for k in _code_list_keys(document) if k not in own and k in shared}
    if not used:
        return document
    return {**document, "code_lists": {**own, **used}}


def _code_list_keys(document: Document) -> Iterable[str]:
    for field_def in document["fields"].values():
        if "code_list" in field_def:
            yield field_def["code_list"]
        for column in field_def.get("columns", {}).values():
            if "code_list" in column:
                yield column["code_list"]


def freeze(tenant: str, layers: Sequence[Layer]) -> EffectiveModel:
    """Step 4: the effective model, its documents self-contained, with its content hash."""
    final = layers[-1].model
    documents = {k: inline_code_lists(d, final.code_lists) for k, d in final.documents.items()}
    return EffectiveModel(
        tenant=tenant,
        layers=tuple(layers),
        documents=documents,
        content_hash=content_hash(documents),
    )


def resolve(tenant: str, base: Layer, overlays: Sequence[Overlay]) -> EffectiveModel:
    """Steps 2-4 for `tenant`, whose ancestors' overlays come first in `overlays`."""
    layers = apply_overlays(base, overlays)
    check_layers(layers)
    return freeze(tenant, layers)


def overlay_chain(
    tenant: str, parents: Mapping[str, str | None], overlays: Mapping[str, Overlay]
) -> list[Overlay]:
    """The overlays that apply to `tenant`, root first: its ancestors' and its own.

    `parents` maps each division code to its parent's (None at the root), as
    the tenant tree or a division file says; nothing here assumes a province.
    """
    chain: list[Overlay] = []
    code: str | None = tenant
    seen: set[str] = set()
    while code is not None and code not in seen:
        seen.add(code)
        if code in overlays:
            chain.append(overlays[code])
        code = parents.get(code)
    chain.reverse()
    return chain
