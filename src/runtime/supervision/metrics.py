"""The supervision metrics from their direct counts, pure: sums per tenant and
department folded to the grain asked for (department, tenant, level, the whole
subtree), and the rates computed from the summed numerators and denominators,
so a prefecture's rate is its cases' rate, not an average of its counties'.

A rate with no denominator is None (no cases: nothing to rate), never 0.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

COUNTERS: Final = (
    "cases",
    "with_facts",
    "online",
    "fully_online",
    "zero_visit",
    "completed",
    "on_time",
    "handling_days",
    "promised_cases",
    "promised_days",
    "yellow_now",
    "red_now",
    "yellow_period",
    "red_period",
    "complaints",
    "closed",
    "closing_seconds",
    "grade_1",
    "grade_2",
    "grade_3",
    "grade_4",
    "grade_5",
    "rectified_in_time",
)
LIST_COUNTERS: Final = ("power_item", "responsibility_item", "service_item")
GRAINS: Final = ("department", "tenant", "level", "total")


def _rate(numerator: float, denominator: float, digits: int = 4) -> float | None:
    return round(numerator / denominator, digits) if denominator else None


@dataclass
class Counts:
    values: dict[str, float] = field(default_factory=lambda: dict.fromkeys(COUNTERS, 0))

    def add(self, row: Mapping[str, Any]) -> None:
        # over the row's few columns, not every counter: a province folds ~2,000 rows
        values = self.values
        for key, value in row.items():
            if value is not None and key in values:
                values[key] += float(value)

    def figures(self) -> dict[str, Any]:
        v = self.values
        bad = v["grade_1"] + v["grade_2"]
        evaluations = sum(v[f"grade_{g}"] for g in range(1, 6))
        return {
            "cases": int(v["cases"]),
            "online_rate": _rate(v["online"], v["with_facts"]),
            "fully_online_rate": _rate(v["fully_online"], v["with_facts"]),
            "zero_visit_rate": _rate(v["zero_visit"], v["with_facts"]),
            "completed": int(v["completed"]),
            "on_time_rate": _rate(v["on_time"], v["promised_cases"]),
            "average_handling_days": _rate(v["handling_days"], v["completed"], 2),
            "average_promised_days": _rate(v["promised_days"], v["promised_cases"], 2),
            "yellow_now": int(v["yellow_now"]),
            "red_now": int(v["red_now"]),
            "yellow_in_period": int(v["yellow_period"]),
            "red_in_period": int(v["red_period"]),
            "complaints": int(v["complaints"]),
            "complaint_closure_rate": _rate(v["closed"], v["complaints"]),
            "average_closing_hours": _rate(v["closing_seconds"] / 3600, v["closed"], 2),
            "evaluations": {str(g): int(v[f"grade_{g}"]) for g in range(1, 6)},
            "evaluation_count": int(evaluations),
            "bad_reviews": int(bad),
            "bad_rectified_in_time": int(v["rectified_in_time"]),
            "bad_rectified_rate": _rate(v["rectified_in_time"], bad),
            "counts": {k: int(x) if float(x).is_integer() else x for k, x in v.items()},
        }


def fold(
    rows: Mapping[str, Iterable[Mapping[str, Any]]],
    key: Callable[[int, str | None], tuple[Any, ...] | None],
) -> dict[tuple[Any, ...], Counts]:
    """Sum every metric row (`cases`, `now`, `warnings`, `complaints`, `evaluations`)
    into the group `key(tenant_id, department)` names (None: left out)."""
    out: dict[tuple[Any, ...], Counts] = {}
    for name in ("cases", "now", "warnings", "complaints", "evaluations"):
        for row in rows.get(name, ()):
            group = key(int(row["tenant_id"]), row.get("department"))
            if group is None:
                continue
            out.setdefault(group, Counts()).add(row)
    return out


def completeness(
    lists: Iterable[Mapping[str, Any]], base_tenant_id: int
) -> dict[int, dict[str, dict[str, Any]]]:
    """Per tenant and list type: items catalogued against the province's base list
    (the root tenant's items of that type); rate None where the base list is empty."""
    counts: dict[int, dict[str, int]] = {}
    for row in lists:
        counts.setdefault(int(row["tenant_id"]), {})[str(row["type_key"])] = int(row["items"])
    base = counts.get(base_tenant_id, {})
    out: dict[int, dict[str, dict[str, Any]]] = {}
    for tenant_id, per_type in counts.items():
        out[tenant_id] = {
            t: {
                "items": per_type.get(t, 0),
                "base": base.get(t, 0),
                "rate": _rate(min(per_type.get(t, 0), base.get(t, 0)), base.get(t, 0)),
            }
            for t in LIST_COUNTERS
        }
    return out
