"""What a region page shows, pure: the metrics a reader may colour by, a subtree's
figures summed from its tenants' counters (so a prefecture's rate is its cases'
rate, as the metrics API computes it), the rows of the region tables, and the data
the charts and the map draw (the same rows their tables show)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from yiwang.platform.i18n import translate
from yiwang.runtime.supervision.metrics import COUNTERS, Counts
from yiwang.tenants.tree import TenantNode, TenantTree

#: the metrics a region table shows and the map may be coloured by, in column order
METRICS: Final = (
    "cases",
    "on_time_rate",
    "online_rate",
    "fully_online_rate",
    "zero_visit_rate",
    "average_handling_days",
    "yellow_now",
    "red_now",
    "complaint_closure_rate",
    "bad_rectified_rate",
)
RATES: Final = frozenset(m for m in METRICS if m.endswith("_rate"))
DEFAULT_METRIC: Final = "on_time_rate"
GRADES: Final = ("1", "2", "3", "4", "5")


def metric_label(metric: str) -> str:
    return translate(f"dashboard.metric.{metric}")


def shown(metric: str, value: Any) -> str:
    """A figure as the tables print it: rates in per cent, none as 无数据."""
    if value is None:
        return translate("dashboard.no_value")
    if metric in RATES:
        return f"{float(value) * 100:.1f}%"
    if isinstance(value, float) and not value.is_integer():
        return f"{value:.2f}"
    return str(int(value))


def chart_value(metric: str, value: Any) -> float | None:
    """A figure as a chart plots it: rates in per cent, none as a gap."""
    if value is None:
        return None
    return round(float(value) * 100, 1) if metric in RATES else float(value)


def summed(items: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """The figures of several tenants together, from their raw counters."""
    total = Counts()
    for item in items:
        total.add({k: v for k, v in item.get("counts", {}).items() if k in COUNTERS})
    return total.figures()


@dataclass(frozen=True)
class Row:
    """One line of a region table: a region (its subtree) or a department."""

    key: str
    label: str
    figures: Mapping[str, Any]
    #: where the line drills down to (a region page, or the department's cases)
    url: str | None = None
    code: str | None = None

    def shown(self, metric: str) -> str:
        return shown(metric, self.figures.get(metric))

    def cells(self) -> list[tuple[str, str]]:
        return [(m, self.shown(m)) for m in METRICS]


def by_tenant(items: Iterable[Mapping[str, Any]]) -> dict[str, Mapping[str, Any]]:
    """The metrics API's `by=tenant` items keyed by tenant code."""
    return {str(i["tenant"]["code"]): i for i in items}


def visible_children(
    tree: TenantTree, region: TenantNode, seen: Mapping[str, Any]
) -> list[TenantNode]:
    """The region's children the scope holds (the metrics named them), in code order."""
    return [c for c in tree.children(region.code) if c.code in seen]


def subtree_figures(
    tree: TenantTree, node: TenantNode, items: Mapping[str, Mapping[str, Any]]
) -> dict[str, Any]:
    """A region's figures: its own tenant and every tenant below it the scope holds."""
    codes = [node.code, *(d.code for d in tree.descendants(node.code))]
    return summed(items[c] for c in codes if c in items)


def chart_series(rows: Sequence[Row], metric: str) -> dict[str, Any]:
    """One bar per row (a region): the labels and values the chart and its table share."""
    return {
        "metric": metric,
        "label": metric_label(metric),
        "unit": "%" if metric in RATES else "",
        "names": [r.label for r in rows],
        "values": [chart_value(metric, r.figures.get(metric)) for r in rows],
    }


def map_data(rows: Sequence[Row], metric: str) -> list[dict[str, Any]]:
    """The prefectures' values by division code: the map script finds each feature by id."""
    return [
        {"code": r.code, "name": r.label, "value": chart_value(metric, r.figures.get(metric))}
        for r in rows
        if r.code is not None
    ]


def evaluation_rows(figures: Mapping[str, Any]) -> list[tuple[str, int]]:
    """The 好差评 distribution: each grade's label and count."""
    counts = figures.get("evaluations") or {}
    return [(translate(f"supervision.grade.{g}"), int(counts.get(g, 0))) for g in GRADES]
