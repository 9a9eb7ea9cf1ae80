"""A region page's figures read through `SupervisionService` over the guard's scope:
the metrics by tenant (once, for the whole scope), summed per child subtree; the
region's own departments; the breadcrumbs from the caller's tenant down. A region
the scope does not hold is the same 404 as one that does not exist."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Final
from urllib.parse import urlencode

from yiwang.platform.errors import ErrorDetail
from yiwang.platform.i18n import translate
from yiwang.runtime.supervision.dashboard.figures import (
    DEFAULT_METRIC,
    METRICS,
    Row,
    by_tenant,
    metric_label,
    subtree_figures,
    visible_children,
)
from yiwang.runtime.supervision.errors import SupervisionNotFound, SupervisionQueryInvalid
from yiwang.runtime.supervision.periods import Period
from yiwang.runtime.supervision.query import CaseQuery
from yiwang.runtime.supervision.service import SupervisionService
from yiwang.tenants.tree import TenantNode

BASE: Final = "/console/t/{code}/subtree/supervision"


def base_url(code: str) -> str:
    return BASE.format(code=code)


def checked_metric(metric: str | None) -> str:
    """The metric to colour by; an unknown one is refused at its pointer."""
    if metric is None or metric == "":
        return DEFAULT_METRIC
    if metric not in METRICS:
        raise SupervisionQueryInvalid(
            "supervision.query_invalid",
            count=1,
            details=[
                ErrorDetail(
                    "supervision.metric_unknown",
                    pointer="/metric",
                    params={"metric": metric[:40], "allowed": "、".join(METRICS)},
                )
            ],
        )
    return metric


@dataclass(frozen=True)
class RegionPage:
    """Everything a region page, its charts and its report show."""

    caller: TenantNode
    region: TenantNode
    period: Period
    metric: str
    total: Row
    #: the region's own tenant (本级), beside its children's subtrees
    own: Row
    children: tuple[Row, ...]
    departments: tuple[Row, ...]
    #: the prefectures of the scope with their subtrees' figures (the map's regions)
    prefectures: tuple[Row, ...]
    #: caller first, region last: each a region page of this caller
    breadcrumbs: tuple[tuple[str, str], ...]

    @property
    def metric_label(self) -> str:
        return metric_label(self.metric)

    def report_lines(self) -> list[tuple[str, Row]]:
        kinds = (
            [
                (translate("dashboard.total"), self.total),
                (translate("dashboard.own_level"), self.own),
            ]
            + [(translate("dashboard.region"), r) for r in self.children]
            + [(translate("dashboard.department"), r) for r in self.departments]
        )
        return kinds


class RegionPages:
    """Builds region pages for one caller (the tenant of the path) and its scope."""

    def __init__(self, supervision: SupervisionService, caller: TenantNode) -> None:
        self.supervision = supervision
        self.caller = caller
        self.tree = supervision.tree

    def url(self, region: str, **params: str) -> str:
        query = {k: v for k, v in {"region": region, **params}.items() if v}
        return f"{base_url(self.caller.code)}?{urlencode(query)}"

    def cases_url(self, region: str, period: str, department: str | None = None) -> str:
        query = {"region": region, "period": period}
        if department:
            query["department"] = department
        return f"{base_url(self.caller.code)}/cases?{urlencode(query)}"

    def scope_codes(self) -> frozenset[str]:
        """The codes of the tenants the guard's scope lets this request read."""
        return frozenset(self.tree.by_id[i].code for i in self.supervision.tenant_ids(CaseQuery()))

    def region(self, code: str | None, seen: Collection[str]) -> TenantNode:
        node = self.tree.get(code) if code else self.caller
        if node is None or node.code not in seen:
            raise SupervisionNotFound("dashboard.region_not_found", code=(code or "")[:12])
        return node

    async def build(
        self, region_code: str | None, period: str | None, metric: str | None
    ) -> RegionPage:
        chosen = checked_metric(metric)
        params = {"by": ["tenant"], **({"period": [period]} if period else {})}
        found = await self.supervision.metrics(params)
        items = by_tenant(found["items"])
        region = self.region(region_code, items)
        label = found["period"]["label"]
        children = tuple(
            Row(
                c.code,
                c.name,
                subtree_figures(self.tree, c, items),
                url=self.url(c.code, period=label, metric=chosen),
                code=c.code,
            )
            for c in visible_children(self.tree, region, items)
        )
        own = Row(
            region.code, translate("dashboard.own_level"), items[region.code], code=region.code
        )
        total = Row(
            region.code, region.name, subtree_figures(self.tree, region, items), code=region.code
        )
        departments = await self._departments(region, label)
        prefectures = tuple(
            Row(n.code, n.name, subtree_figures(self.tree, n, items), code=n.code)
            for n in self.tree.descendants(self.tree.root_of(region.code).code)
            if n.level == "prefecture" and n.code in items
        )
        chain = [n for n in self.tree.chain(region.code) if n.code in items]
        return RegionPage(
            caller=self.caller,
            region=region,
            period=self.supervision.period_of(label),
            metric=chosen,
            total=total,
            own=own,
            children=children,
            departments=departments,
            prefectures=prefectures,
            breadcrumbs=tuple(
                (n.name, self.url(n.code, period=label, metric=chosen)) for n in chain
            ),
        )

    async def _departments(self, region: TenantNode, period: str) -> tuple[Row, ...]:
        found = await self.supervision.metrics(
            {"by": ["department"], "period": [period], "filter.tenant": [region.code]}
        )
        rows = []
        for item in found["items"]:
            department = item.get("department")
            rows.append(
                Row(
                    department or "",
                    department or translate("dashboard.unknown_department"),
                    item,
                    url=self.cases_url(region.code, period, department) if department else None,
                )
            )
        return tuple(rows)
