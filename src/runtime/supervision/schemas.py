"""Request bodies of the supervision API (msgspec, strict)."""

from __future__ import annotations

import msgspec


class OrderRequest(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A 督办 order: on a case (`number`) or a department (`department`), one of them."""

    reason: str
    days: int
    number: str | None = None
    department: str | None = None


class OrderResponse(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    response: str
