"""What the runtime adds to a publish, as metadata sees it: metadata never imports
the runtime, so the app passes an implementation in."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from yiwang.metadata.resolution.resolve import EffectiveModel
from yiwang.platform.unit_of_work import UnitOfWork
from yiwang.tenants.tree import TenantNode


@dataclass(frozen=True)
class InvalidRecords:
    """A tenant's records a new effective model would refuse: how many, and the first."""

    count: int
    first: list[dict[str, Any]] = field(default_factory=list)


class RecordChecks(Protocol):
    """What the runtime adds to a publish; metadata never imports the runtime, so the
    app passes it in (as onboarding receives `completes_onboarding`).

    `count_invalid` re-validates `tenant`'s records against `after` (only the item
    types and business forms that differ from `before`); `published` runs in the
    publish's unit once the version is stored, with the new models of every tenant
    it changed (the runtime records the list indexes they want).
    """

    async def count_invalid(
        self,
        uow: UnitOfWork,
        tenant: TenantNode,
        before: EffectiveModel | None,
        after: EffectiveModel,
    ) -> InvalidRecords: ...

    async def published(self, uow: UnitOfWork, models: Sequence[EffectiveModel]) -> None: ...
