"""Service items as applications need them, and this process's cache of them.

An application names a service item (办事指南 entry); its business form, its
department and its values (implementing code, issuer, route) come from the
stored item, read once per item version per process (`ServiceItems`).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from yiwang.metadata.resolution.resolve import EffectiveModel
from yiwang.runtime.records.views import Created

APPLICATION: Final = "application"
SERVICE_ITEM: Final = "service_item"
#: the `task_state` of a service item open for applications (在用)
SERVICE_IN_USE: Final = "1"


@dataclass(frozen=True)
class ServiceItem:
    """A service item as applications need it: id, business form, department, values,
    and the record version they were read at."""

    id: int
    business_form: str | None
    department: str | None
    values: Mapping[str, Any]
    version: int = 0
    tenant_id: int = 0


@dataclass(frozen=True)
class Applied:
    """An application record and the service item it was made for (None: a replay), with
    the effective model it was validated against (so the case needs no second lookup)."""

    created: Created
    item: ServiceItem | None
    model: EffectiveModel | None = None


class ServiceItems:
    """Service items read by this process, by (tenant, id), with the version they were
    read at. A hit counts only when the claim's live version agrees (`apply_for`)."""

    def __init__(self, size: int = 4096) -> None:
        self._items: OrderedDict[tuple[int, int], ServiceItem] = OrderedDict()
        self._size = size

    def get(self, tenant_id: int, item_id: int) -> ServiceItem | None:
        found = self._items.get((tenant_id, item_id))
        if found is not None:
            self._items.move_to_end((tenant_id, item_id))
        return found

    def put(self, item: ServiceItem) -> None:
        self._items[(item.tenant_id, item.id)] = item
        self._items.move_to_end((item.tenant_id, item.id))
        if len(self._items) > self._size:
            self._items.popitem(last=False)
