"""SQL for the tenant registry, departments and calendars."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from yiwang.tenants.models import CalendarDay, Department, RegistryState, Tenant


class TenantRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def all(self) -> Sequence[Tenant]:
        return (await self.session.scalars(select(Tenant).order_by(Tenant.path))).all()

    async def by_code(self, code: str) -> Tenant | None:
        return await self.session.scalar(select(Tenant).where(Tenant.code == code))

    async def by_codes(self, codes: Sequence[str]) -> dict[str, Tenant]:
        rows = await self.session.scalars(select(Tenant).where(Tenant.code.in_(codes)))
        return {t.code: t for t in rows}

    async def subtree_ids(self, tenant: Tenant) -> list[int]:
        rows = await self.session.scalars(
            select(Tenant.id).where(
                (Tenant.path == tenant.path) | Tenant.path.startswith(tenant.path + "/")
            )
        )
        return list(rows)

    async def version(self) -> int:
        return int(await self.session.scalar(select(RegistryState.version)) or 0)

    async def bump_version(self) -> int:
        """Mark the registry changed; the row lock orders concurrent changes."""
        new = await self.session.scalar(
            update(RegistryState)
            .where(RegistryState.id == 1)
            .values(version=RegistryState.version + 1)
            .returning(RegistryState.version)
        )
        return int(new or 0)

    async def count(self) -> int:
        return int(await self.session.scalar(select(func.count()).select_from(Tenant)) or 0)

    async def add(self, tenant: Tenant) -> Tenant:
        self.session.add(tenant)
        await self.session.flush()
        return tenant

    async def set_status(self, tenant_id: int, status: str) -> None:
        await self.session.execute(
            update(Tenant)
            .where(Tenant.id == tenant_id)
            .values(status=status, updated_at=func.now())
        )


class DepartmentRepository:
    """Reads and writes under the caller's tenant scope (RLS admits only that tenant)."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def keys(self, tenant_id: int) -> set[str]:
        rows = await self.session.scalars(
            select(Department.key).where(Department.tenant_id == tenant_id)
        )
        return set(rows)

    async def for_tenant(self, tenant_id: int) -> Sequence[Department]:
        return (
            await self.session.scalars(
                select(Department)
                .where(Department.tenant_id == tenant_id)
                .order_by(Department.sort, Department.key)
            )
        ).all()

    async def of_tenants(self, tenant_ids: Sequence[int]) -> Sequence[Department]:
        return (
            await self.session.scalars(
                select(Department)
                .where(Department.tenant_id.in_(tenant_ids))
                .order_by(Department.tenant_id, Department.sort, Department.key)
            )
        ).all()

    async def add_many(self, rows: list[dict[str, object]]) -> None:
        if rows:
            await self.session.execute(insert(Department), rows)


class CalendarRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def days(self, province_id: int, start: date, end: date) -> Sequence[CalendarDay]:
        return (
            await self.session.scalars(
                select(CalendarDay)
                .where(
                    CalendarDay.province_id == province_id,
                    CalendarDay.day >= start,
                    CalendarDay.day <= end,
                )
                .order_by(CalendarDay.day)
            )
        ).all()

    async def day_kinds(self, province_id: int, start: date, end: date) -> list[tuple[date, str]]:
        """(day, kind) from `start` to `end`: what a working calendar needs, no ORM objects."""
        rows = await self.session.execute(
            select(CalendarDay.day, CalendarDay.kind).where(
                CalendarDay.province_id == province_id,
                CalendarDay.day >= start,
                CalendarDay.day <= end,
            )
        )
        return [(day, kind) for day, kind in rows]

    async def existing(self, province_id: int, days: Sequence[date]) -> dict[date, CalendarDay]:
        rows = await self.session.scalars(
            select(CalendarDay).where(
                CalendarDay.province_id == province_id, CalendarDay.day.in_(days)
            )
        )
        return {r.day: r for r in rows}

    async def replace_year(
        self, province_id: int, year: int, rows: list[dict[str, object]]
    ) -> None:
        await self.session.execute(
            delete(CalendarDay).where(
                CalendarDay.province_id == province_id,
                CalendarDay.day >= date(year, 1, 1),
                CalendarDay.day <= date(year, 12, 31),
            )
        )
        if rows:
            await self.session.execute(insert(CalendarDay), rows)

    async def add_many(self, rows: list[dict[str, object]]) -> None:
        if rows:
            await self.session.execute(insert(CalendarDay), rows)
