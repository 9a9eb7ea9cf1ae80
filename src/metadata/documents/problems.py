"""Collect every problem in a document before refusing it.

An author fixing metadata wants all the errors at once, not one per attempt;
the first becomes the error's own code and pointer, the rest its details.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from yiwang.metadata.documents.errors import MetadataInvalid
from yiwang.platform.errors import ErrorDetail, InvalidInput


class Problems:
    """An append-only list of `ErrorDetail`s."""

    def __init__(self) -> None:
        self.details: list[ErrorDetail] = []

    def add(self, code: str, pointer: str, /, **params: Any) -> None:
        self.details.append(ErrorDetail(code, pointer, params))

    def extend(self, details: Iterable[ErrorDetail]) -> None:
        self.details.extend(details)

    def __bool__(self) -> bool:
        return bool(self.details)

    def __iter__(self) -> Iterator[ErrorDetail]:
        return iter(self.details)

    def __len__(self) -> int:
        return len(self.details)

    def raise_if_any(self) -> None:
        raise_for(self.details)


def raise_for(details: list[ErrorDetail], error: type[InvalidInput] = MetadataInvalid) -> None:
    """Raise `error` (metadata by default) carrying `details` if there are any."""
    if not details:
        return
    first = details[0]
    raise error(first.code, pointer=first.pointer, details=list(details), **first.params)
