"""The console's reads of staff accounts: the names its pages show for actors, and the
colleagues a task may be delegated to. The only SQL of the console."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any, Final

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from yiwang.policy.identity.models import Account

#: colleagues listed for a delegation at most (a department's staff, far fewer)
COLLEAGUES_MAX: Final = 200


@dataclass(frozen=True)
class StaffName:
    id: int
    kind: str
    #: the account's display name, else its login
    name: str
    department: str | None
    tenant_id: int | None


_COLUMNS: Final = (
    Account.id,
    Account.kind,
    Account.display_name,
    Account.login,
    Account.department_key,
    Account.tenant_id,
)


def _named(row: Any) -> StaffName:
    return StaffName(
        row.id, row.kind, row.display_name or row.login, row.department_key, row.tenant_id
    )


class StaffRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def names(self, ids: Collection[int]) -> dict[int, StaffName]:
        """The accounts `ids` name, by id (one query for a whole timeline)."""
        if not ids:
            return {}
        rows = await self.session.execute(select(*_COLUMNS).where(Account.id.in_(sorted(ids))))
        return {row.id: _named(row) for row in rows}

    async def colleagues(self, department: str | None, tenant_id: int) -> Sequence[StaffName]:
        """Active staff of `department` (anywhere: a grant reaching the tenant is checked by
        the caller), or, without one, the tenant's own staff without a department."""
        query = select(*_COLUMNS).where(Account.kind == "staff", Account.status == "active")
        if department is not None:
            query = query.where(Account.department_key == department)
        else:
            query = query.where(Account.department_key.is_(None), Account.tenant_id == tenant_id)
        rows = await self.session.execute(query.order_by(Account.id).limit(COLLEAGUES_MAX))
        return [_named(row) for row in rows]
