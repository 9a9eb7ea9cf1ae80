"""What changed between two versions of a document or model.

A change names a JSON pointer and the values before and after. Lists whose
items carry an identity (`key` for steps and sections, `code` for code
values) are matched by it, so inserting a step reads as one added step, not
as every later step changed; a list whose items only moved reads as `moved`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from yiwang.metadata.documents import pointers
from yiwang.metadata.documents.shapes import Model

ChangeKind = Literal["added", "removed", "changed", "moved"]
_IDENTITIES = ("key", "code")


@dataclass(frozen=True)
class Change:
    """One difference: `before` is None for an addition, `after` None for a removal."""

    kind: ChangeKind
    pointer: str
    before: Any = None
    after: Any = None

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind, "pointer": self.pointer}
        if self.kind != "added":
            out["before"] = self.before
        if self.kind != "removed":
            out["after"] = self.after
        return out


def diff_documents(before: Any, after: Any, pointer: str = "") -> list[Change]:
    """Every difference between two JSON values, addressed in `after` (or `before`)."""
    changes: list[Change] = []
    _diff(before, after, pointer, changes)
    return changes


def diff_models(before: Model, after: Model) -> list[Change]:
    """The differences between two models, pointers into their exchange form."""
    return diff_documents(before.as_json(), after.as_json())


def _identity(items: Sequence[Any]) -> str | None:
    for name in _IDENTITIES:
        if items and all(isinstance(i, dict) and name in i for i in items):
            values = [i[name] for i in items]
            if len(set(values)) == len(values):
                return name
    return None


def _diff(before: Any, after: Any, pointer: str, changes: list[Change]) -> None:
    if before == after:
        return
    if isinstance(before, Mapping) and isinstance(after, Mapping):
        for key in before:
            if key not in after:
                changes.append(Change("removed", pointers.join(pointer, key), before[key], None))
        for key in after:
            here = pointers.join(pointer, key)
            if key not in before:
                changes.append(Change("added", here, None, after[key]))
            else:
                _diff(before[key], after[key], here, changes)
        return
    if isinstance(before, list) and isinstance(after, list):
        name = _identity(before) if before else None
        if name is not None and _identity(after) == name:
            _diff_keyed(before, after, name, pointer, changes)
            return
        scalars = all(not isinstance(i, (dict, list)) for i in (*before, *after))
        if scalars and sorted(map(repr, before)) == sorted(map(repr, after)):
            changes.append(Change("moved", pointer, before, after))
            return
    changes.append(Change("changed", pointer, before, after))


def _diff_keyed(
    before: list[Any], after: list[Any], name: str, pointer: str, changes: list[Change]
) -> None:
    old = {item[name]: (index, item) for index, item in enumerate(before)}
    new = {item[name]: (index, item) for index, item in enumerate(after)}
    for ident, (index, item) in old.items():
        if ident not in new:
            changes.append(Change("removed", pointers.join(pointer, index), item, None))
    for ident, (index, item) in new.items():
        here = pointers.join(pointer, index)
        if ident not in old:
            changes.append(Change("added", here, None, item))
        else:
            _diff(old[ident][1], item, here, changes)
    common_old = [i[name] for i in before if i[name] in new]
    common_new = [i[name] for i in after if i[name] in old]
    if common_old != common_new:
        changes.append(Change("moved", pointer, common_old, common_new))
