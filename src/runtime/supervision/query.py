"""What a cross-tenant case query may ask, pure: the base fields, their filters, sorts
and groupings, overlay fields, the period and the bounds; parsed from the query string
with every problem listed at its pointer.

Base fields are the ones every tenant's cases have (the case envelope and the
supervision facts). Overlay fields (`x_...`, a region's additions to the business
form) are returned only when named in `fields=`, null where a tenant lacks them;
they are never grouped on across tenants, since no index spans them.

    filter.<field>[.<op>]=<value>   op: eq (default), in (comma separated), gte, lt
    sort=<field> | -<field>         one field; ties broken by tenant and case id
    group=<field>[,<field>...]      aggregates only
    fields=x_a,x_b                  overlay fields to return
    period=2026-Q3                  on the submission time (see `periods`)
    limit=N                         rows (pages) or groups (aggregates)
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Final, Literal

from yiwang.platform.errors import ErrorDetail
from yiwang.runtime.supervision.errors import SupervisionQueryInvalid
from yiwang.runtime.supervision.periods import Period, PeriodError, parse_period

Kind = Literal["text", "code", "date", "time", "bool", "tenant", "level"]

STATUSES: Final = (
    "submitted",
    "in_review",
    "supplement_requested",
    "decided",
    "completed",
    "not_accepted",
    "withdrawn",
    "revoked",
)
COLOURS: Final = ("green", "yellow", "red")
LEVELS: Final = ("province", "prefecture", "county", "zone")
POWER_TYPES: Final = (
    "xzxk",
    "xzcf",
    "xzqz",
    "xzzs",
    "xzjf",
    "xzjc",
    "xzqr",
    "xzjl",
    "xzcj",
    "qt",
)
GRANULARITIES: Final = ("month", "day", "year")


@dataclass(frozen=True)
class BaseField:
    key: str
    kind: Kind
    ops: tuple[str, ...]
    sortable: bool = False
    groupable: bool = False
    codes: tuple[str, ...] = ()


BASE_FIELDS: Final[Mapping[str, BaseField]] = {
    f.key: f
    for f in (
        BaseField("tenant", "tenant", ("eq", "in"), groupable=True),
        BaseField("level", "level", ("eq", "in"), groupable=True, codes=LEVELS),
        BaseField("number", "text", ("eq",), sortable=True),
        BaseField("service_item", "text", ("eq", "in"), sortable=True, groupable=True),
        BaseField("department", "text", ("eq", "in"), groupable=True),
        BaseField("status", "code", ("eq", "in"), groupable=True, codes=STATUSES),
        BaseField("colour", "code", ("eq", "in"), groupable=True, codes=COLOURS),
        BaseField("power_type", "code", ("eq", "in"), groupable=True, codes=POWER_TYPES),
        BaseField("online", "bool", ("eq",), groupable=True),
        BaseField("submitted_at", "time", ("gte", "lt"), sortable=True),
        BaseField("updated_at", "time", ("gte", "lt"), sortable=True),
        BaseField("promised_due", "date", ("gte", "lt"), sortable=True),
    )
}
#: the period grouping: the submission time truncated in China's time
PERIOD_GROUPS: Final = tuple(f"period.{g}" for g in GRANULARITIES)
MAX_ROWS: Final = 500
MAX_GROUPS: Final = 5000
#: rows of one export (a job writes it; a larger one is narrowed by period or tenant)
MAX_EXPORT_ROWS: Final = 1_000_000
MAX_IN: Final = 200
MAX_OVERLAY: Final = 20
_OVERLAY = re.compile(r"^x_[a-z0-9_]{1,62}$")
_KNOWN = frozenset({"sort", "group", "fields", "period", "limit", "format"})

Value = str | date | datetime | bool | tuple[str, ...] | tuple[bool, ...]


@dataclass(frozen=True)
class Filter:
    field: str
    op: str
    value: Any


@dataclass(frozen=True)
class CaseQuery:
    filters: tuple[Filter, ...] = ()
    sort: tuple[str, bool] = ("submitted_at", True)  # (field, descending)
    group: tuple[str, ...] = ()
    overlay: tuple[str, ...] = ()
    period: Period | None = None
    limit: int = 100
    format: str | None = None
    problems: list[ErrorDetail] = field(default_factory=list, compare=False)


def _detail(code: str, pointer: str, **params: Any) -> ErrorDetail:
    return ErrorDetail(code, pointer=pointer, params=params)


def _allowed(keys: Sequence[str]) -> str:
    return "、".join(keys)


def _value(spec: BaseField, op: str, raw: str, pointer: str) -> Any:
    """One filter value, typed; raises ValueError with the expected form's name."""
    if op == "in":
        parts = tuple(p.strip() for p in raw.split(",") if p.strip())
        if not parts or len(parts) > MAX_IN:
            raise ValueError(f"1 至 {MAX_IN} 个以逗号分隔的值")
        return tuple(_value(spec, "eq", p, pointer) for p in parts)
    if spec.kind in ("code", "level"):
        if raw not in spec.codes:
            raise ValueError(_allowed(spec.codes))
        return raw
    if spec.kind == "bool":
        if raw not in ("true", "false"):
            raise ValueError("true 或 false")
        return raw == "true"
    if spec.kind == "date":
        try:
            return date.fromisoformat(raw)
        except ValueError:
            raise ValueError("日期（如 2026-07-01）") from None
    if spec.kind == "time":
        try:
            parsed = datetime.fromisoformat(raw)
        except ValueError:
            raise ValueError("带时区的时间（如 2026-07-01T00:00:00+08:00）") from None
        if parsed.tzinfo is None:
            raise ValueError("带时区的时间（如 2026-07-01T00:00:00+08:00）")
        return parsed
    if not raw or len(raw) > 64:
        raise ValueError("1 至 64 个字符")
    return raw


def parse_query(
    params: Mapping[str, Sequence[str]], *, aggregate: bool = False, export: bool = False
) -> CaseQuery:
    """The query the parameters ask for; `SupervisionQueryInvalid` lists every problem."""
    problems: list[ErrorDetail] = []
    one: dict[str, str] = {}
    filters: list[Filter] = []
    for name, values in params.items():
        pointer = f"/{name[:64]}"
        if len(values) != 1:
            problems.append(_detail("supervision.parameter_repeated", pointer, name=name[:64]))
            continue
        raw = values[0]
        if name.startswith("filter."):
            filters.extend(_filter(name, raw, pointer, problems))
        elif name in _KNOWN:
            one[name] = raw
        else:
            problems.append(_detail("supervision.parameter_unknown", pointer, name=name[:64]))
    sort = _sort(one.get("sort"), problems)
    group = _group(one.get("group"), problems) if aggregate else ()
    if not aggregate and "group" in one:
        problems.append(_detail("supervision.parameter_unknown", "/group", name="group"))
    overlay = _overlay(one.get("fields"), problems)
    period: Period | None = None
    if "period" in one:
        try:
            period = parse_period(one["period"])
        except PeriodError as exc:
            problems.append(exc.detail)
    ceiling = MAX_GROUPS if aggregate else MAX_EXPORT_ROWS if export else MAX_ROWS
    limit = _limit(one.get("limit"), ceiling, problems, export)
    fmt = one.get("format")
    if fmt is not None and (not export or fmt not in ("csv", "xlsx")):
        problems.append(_detail("supervision.format_invalid", "/format", value=fmt[:10]))
    if problems:
        raise SupervisionQueryInvalid(
            "supervision.query_invalid", count=len(problems), details=problems
        )
    return CaseQuery(
        filters=tuple(filters),
        sort=sort,
        group=group,
        overlay=overlay,
        period=period,
        limit=limit,
        format=fmt,
    )


def _filter(name: str, raw: str, pointer: str, problems: list[ErrorDetail]) -> list[Filter]:
    parts = name.split(".")
    key = parts[1] if len(parts) > 1 else ""
    op = parts[2] if len(parts) == 3 else "eq"
    spec = BASE_FIELDS.get(key)
    if spec is None or len(parts) > 3:
        problems.append(
            _detail(
                "supervision.field_unknown",
                pointer,
                field=key[:64],
                allowed=_allowed(list(BASE_FIELDS)),
            )
        )
        return []
    if op not in spec.ops:
        problems.append(
            _detail(
                "supervision.operator_invalid",
                pointer,
                field=key,
                op=op[:16],
                allowed=_allowed(spec.ops),
            )
        )
        return []
    try:
        return [Filter(key, op, _value(spec, op, raw.strip(), pointer))]
    except ValueError as exc:
        problems.append(
            _detail(
                "supervision.value_invalid", pointer, field=key, value=raw[:40], expected=str(exc)
            )
        )
        return []


def _sort(raw: str | None, problems: list[ErrorDetail]) -> tuple[str, bool]:
    if raw is None:
        return ("submitted_at", True)
    descending = raw.startswith("-")
    key = raw.lstrip("-")
    spec = BASE_FIELDS.get(key)
    if spec is None or not spec.sortable:
        allowed = [k for k, f in BASE_FIELDS.items() if f.sortable]
        problems.append(
            _detail("supervision.sort_invalid", "/sort", field=key[:64], allowed=_allowed(allowed))
        )
        return ("submitted_at", True)
    return (key, descending)


def _group(raw: str | None, problems: list[ErrorDetail]) -> tuple[str, ...]:
    if raw is None or not raw.strip():
        return ("tenant",)
    out: list[str] = []
    allowed = [*(k for k, f in BASE_FIELDS.items() if f.groupable), *PERIOD_GROUPS]
    for key in (k.strip() for k in raw.split(",")):
        if key.startswith("x_"):
            problems.append(_detail("supervision.group_unindexed", "/group", field=key[:64]))
        elif key not in allowed:
            problems.append(
                _detail(
                    "supervision.group_unknown", "/group", field=key[:64], allowed=_allowed(allowed)
                )
            )
        elif key not in out:
            out.append(key)
    return tuple(out)


def _overlay(raw: str | None, problems: list[ErrorDetail]) -> tuple[str, ...]:
    if raw is None or not raw.strip():
        return ()
    out: list[str] = []
    for key in (k.strip() for k in raw.split(",")):
        if key in BASE_FIELDS:
            continue  # base fields always come back
        if not _OVERLAY.match(key):
            problems.append(_detail("supervision.overlay_field_invalid", "/fields", field=key[:64]))
        elif key not in out:
            out.append(key)
    if len(out) > MAX_OVERLAY:
        problems.append(
            _detail("supervision.limit_invalid", "/fields", max=MAX_OVERLAY, value=len(out))
        )
    return tuple(out)


def _limit(raw: str | None, ceiling: int, problems: list[ErrorDetail], export: bool) -> int:
    if raw is None:
        return ceiling if export else min(100, ceiling)
    if not raw.isdigit() or not 1 <= int(raw) <= ceiling:
        problems.append(_detail("supervision.limit_invalid", "/limit", max=ceiling, value=raw[:12]))
        return 1
    return int(raw)
