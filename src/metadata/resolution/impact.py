"""Impact preview: what a new version would break below the tenant publishing it.

Publishing the base (or a prefecture's overlay) changes the model of every
tenant underneath. Before anything is published, each descendant's overlay
is re-applied on top of the new version; the tenants whose overlays no
longer apply are listed with the errors, so the publisher (or the region)
can fix them first. Layers are built once per tree node and shared by the
children, so the whole province costs one overlay application per region.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from yiwang.metadata.documents.errors import MetadataInvalid
from yiwang.metadata.documents.shapes import Overlay
from yiwang.metadata.resolution.resolve import (
    EffectiveModel,
    Layer,
    add_layer,
    check_layers,
    freeze,
)
from yiwang.platform.errors import ErrorDetail

#: counts the records of a tenant that the new effective model would refuse
RecordCounter = Callable[[EffectiveModel], int]


@dataclass(frozen=True)
class ImpactPreview:
    """Per descendant tenant: conflicts of its overlay, and records no longer valid."""

    tenant: str
    checked: int
    conflicts: Mapping[str, list[ErrorDetail]] = field(default_factory=dict)
    blocked: Mapping[str, str] = field(default_factory=dict)
    invalid_records: Mapping[str, int] = field(default_factory=dict)
    #: per tenant, the first records that would no longer validate: [{id, type, number}]
    first_invalid: Mapping[str, list[dict[str, object]]] = field(default_factory=dict)
    #: the layers each tenant would have (the publisher's and every one that still
    #: resolves), for counting its records against the new model; not part of the answer
    resolved: Mapping[str, tuple[Layer, ...]] = field(
        default_factory=dict, repr=False, compare=False
    )

    @property
    def ok(self) -> bool:
        return not self.conflicts

    def as_dict(self, locale: str = "zh-CN") -> dict[str, object]:
        return {
            "tenant": self.tenant,
            "checked": self.checked,
            "conflicts": {
                t: [d.as_dict(locale) for d in details] for t, details in self.conflicts.items()
            },
            "blocked": dict(self.blocked),
            "invalid_records": dict(self.invalid_records),
            "first_invalid": {t: list(rows) for t, rows in self.first_invalid.items()},
        }


def preview_impact(
    tenant: str,
    layers: Sequence[Layer],
    parents: Mapping[str, str | None],
    overlays: Mapping[str, Overlay],
    count_invalid: RecordCounter | None = None,
) -> ImpactPreview:
    """Re-resolve every descendant of `tenant` on top of `tenant`'s new `layers`.

    `blocked` lists descendants that cannot be resolved because an ancestor's
    overlay conflicts (they are fixed when the ancestor is).
    """
    children: dict[str, list[str]] = defaultdict(list)
    for child, parent in parents.items():
        if parent is not None:
            children[parent].append(child)
    conflicts: dict[str, list[ErrorDetail]] = {}
    blocked: dict[str, str] = {}
    invalid: dict[str, int] = {}
    resolved: dict[str, tuple[Layer, ...]] = {tenant: tuple(layers)}
    checked = 0
    stack: list[tuple[str, tuple[Layer, ...]]] = [(tenant, tuple(layers))]
    while stack:
        node, node_layers = stack.pop()
        for child in sorted(children.get(node, [])):
            checked += 1
            child_layers = node_layers
            if child in overlays:
                try:
                    child_layers = add_layer(node_layers, overlays[child])
                    check_layers(child_layers)
                except MetadataInvalid as exc:
                    conflicts[child] = exc.details
                    _block(child, children, blocked)
                    checked += sum(1 for b in blocked.values() if b == child)
                    continue
            if count_invalid is not None:
                count = count_invalid(freeze(child, child_layers))
                if count:
                    invalid[child] = count
            resolved[child] = child_layers
            stack.append((child, child_layers))
    return ImpactPreview(
        tenant=tenant,
        checked=checked,
        conflicts=conflicts,
        blocked=blocked,
        invalid_records=invalid,
        resolved=resolved,
    )


def _block(
    tenant: str, children: Mapping[str, list[str]], blocked: dict[str, str], by: str = ""
) -> None:
    """Mark everything below `tenant` as blocked by `by` (the conflicting tenant)."""
    for child in children.get(tenant, []):
        blocked[child] = by or tenant
        _block(child, children, blocked, by or tenant)
