"""Shapes at the edge of the tenants API (msgspec structs)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import msgspec


class TenantOut(msgspec.Struct):
    code: str
    name: str
    level: str
    status: str
    slug: str
    path: str
    parent_code: str | None


class OnboardIn(msgspec.Struct, forbid_unknown_fields=True):
    #: the division file's text (UTF-8 CSV, header code,name,level,parent_code)
    divisions: str
    template: str = "standard"


class OnboardOut(msgspec.Struct):
    changed: bool
    tenants_created: int
    tenants_unchanged: int
    departments_created: int
    calendar_days_created: int


class LifecycleIn(msgspec.Struct, forbid_unknown_fields=True):
    reason: Annotated[str, msgspec.Meta(max_length=500)] | None = None
    #: archiving only: the tenant's exact name, to confirm
    confirm: Annotated[str, msgspec.Meta(max_length=200)] | None = None


class CalendarDayOut(msgspec.Struct):
    day: date
    kind: str
    name: str


class CalendarYearIn(msgspec.Struct, forbid_unknown_fields=True):
    #: CSV rows `date,kind,name` for the whole year; replaces that year's entries
    csv: str


class DepartmentOut(msgspec.Struct):
    key: str
    name: str
