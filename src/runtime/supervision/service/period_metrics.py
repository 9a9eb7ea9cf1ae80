"""The supervision metrics over a period at a grain (department, tenant, level,
total): the parameters checked together, the rows read across the scope, folded
by the pure `metrics` module, each tenant with its list completeness.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final

from yiwang.platform.errors import ErrorDetail
from yiwang.runtime.supervision import cross_tenant, metrics
from yiwang.runtime.supervision.errors import SupervisionQueryInvalid
from yiwang.runtime.supervision.periods import Period, PeriodError, parse_period
from yiwang.runtime.supervision.query import CaseQuery, parse_query
from yiwang.runtime.supervision.service.base import SupervisionBase, china_today

#: the grain a metric query folds to when none is given
DEFAULT_GRAIN: Final = "tenant"


class PeriodMetrics(SupervisionBase):
    def period_of(self, raw: str | None) -> Period:
        today = china_today(self.clock())
        try:
            return parse_period(raw if raw is not None else today.strftime("%Y-%m"))
        except PeriodError as exc:
            raise SupervisionQueryInvalid(
                "supervision.query_invalid", count=1, details=[exc.detail]
            ) from None

    async def metrics(self, params: Mapping[str, Sequence[str]]) -> dict[str, Any]:
        """The supervision metrics over the scope for a period, at a grain:
        `by=department|tenant|level|total`, `period=...`, `filter.tenant`/`filter.level`."""
        problems: list[ErrorDetail] = []
        one: dict[str, str] = {}
        narrowing: dict[str, list[str]] = {}
        for name, values in params.items():
            if name in ("period", "by") and len(values) == 1:
                one[name] = values[0]
            elif name in ("filter.tenant", "filter.tenant.in", "filter.level", "filter.level.in"):
                narrowing[name] = list(values)
            else:
                problems.append(
                    ErrorDetail(
                        "supervision.parameter_unknown",
                        pointer=f"/{name[:64]}",
                        params={"name": name[:64]},
                    )
                )
        grain = one.get("by", DEFAULT_GRAIN)
        if grain not in metrics.GRAINS:
            problems.append(
                ErrorDetail(
                    "supervision.group_unknown",
                    pointer="/by",
                    params={"field": grain[:32], "allowed": "、".join(metrics.GRAINS)},
                )
            )
        try:
            query = parse_query(narrowing)
        except SupervisionQueryInvalid as exc:
            problems.extend(exc.details)
            query = CaseQuery()
        try:
            period = parse_period(one["period"]) if "period" in one else self.period_of(None)
        except PeriodError as exc:
            problems.append(exc.detail)
            period = self.period_of(None)
        if problems:
            raise SupervisionQueryInvalid(
                "supervision.query_invalid", count=len(problems), details=problems
            )
        ids = self.tenant_ids(query)
        rows = await cross_tenant.cross_tenant_metric_rows(
            self.uow.session, ids, period, departments=grain == "department"
        )
        return {
            "period": period.as_dict(),
            "by": grain,
            "items": self._fold(rows, ids, grain),
        }

    def _fold(
        self, rows: Mapping[str, list[dict[str, Any]]], ids: Sequence[int], grain: str
    ) -> list[dict[str, Any]]:
        def key(tenant_id: int, department: str | None) -> tuple[Any, ...]:
            if grain == "department":
                return (tenant_id, department or "")
            if grain == "tenant":
                return (tenant_id,)
            if grain == "level":
                return (self.tree.by_id[tenant_id].level,)
            return ()

        folded = metrics.fold(rows, key)
        if grain == "tenant":
            for i in ids:
                folded.setdefault((i,), metrics.Counts())
        lists: dict[int, Any] = {}
        if grain == "tenant" and ids:
            root = self.tree.root_of(self.tree.by_id[ids[0]].code)
            lists = metrics.completeness(rows.get("lists", []), root.id)
        out: list[dict[str, Any]] = []
        for group, counts in folded.items():
            item: dict[str, Any] = {}
            if grain in ("department", "tenant"):
                item["tenant"] = self._tenant(group[0])
            if grain == "department":
                item["department"] = group[1] or None
            if grain == "level":
                item["level"] = group[0]
            item.update(counts.figures())
            if grain == "tenant":
                item["completeness"] = lists.get(
                    group[0],
                    metrics.completeness([], root.id).get(group[0])
                    or {t: {"items": 0, "base": None, "rate": None} for t in metrics.LIST_COUNTERS},
                )
            out.append(item)
        out.sort(
            key=lambda i: (
                i.get("tenant", {}).get("code", ""),
                str(i.get("department") or i.get("level") or ""),
            )
        )
        return out
