"""The cross-tenant query's parameters and periods: what is refused, at which pointer."""

from __future__ import annotations

from datetime import date

import pytest

from yiwang.runtime.supervision.errors import SupervisionQueryInvalid
from yiwang.runtime.supervision.periods import PeriodError, parse_period
from yiwang.runtime.supervision.query import MAX_ROWS, Filter, parse_query


def _problems(params: dict[str, list[str]], **kw: bool) -> list[tuple[str, str]]:
    with pytest.raises(SupervisionQueryInvalid) as caught:
        parse_query(params, **kw)
    return [(d.code, d.pointer or "") for d in caught.value.details]


def test_filters_sort_overlay_and_period_parse() -> None:
    q = parse_query(
        {
            "filter.status.in": ["submitted,in_review"],
            "filter.online": ["true"],
            "filter.tenant": ["620102"],
            "sort": ["-promised_due"],
            "fields": ["x_school,status"],
            "period": ["2026-Q3"],
            "limit": ["20"],
        }
    )
    assert set(q.filters) == {
        Filter("status", "in", ("submitted", "in_review")),
        Filter("online", "eq", True),
        Filter("tenant", "eq", "620102"),
    }
    assert q.sort == ("promised_due", True)
    assert q.overlay == ("x_school",)
    assert q.period is not None and (q.period.start, q.period.end) == (
        date(2026, 7, 1),
        date(2026, 10, 1),
    )
    assert q.limit == 20


def test_every_problem_is_listed_at_its_pointer() -> None:
    assert _problems(
        {
            "filter.nosuch": ["1"],
            "filter.status": ["lost"],
            "filter.submitted_at.gte": ["2026-07-01"],
            "sort": ["department"],
            "limit": [str(MAX_ROWS + 1)],
            "period": ["2026-13"],
            "bogus": ["1"],
        }
    ) == [
        ("supervision.field_unknown", "/filter.nosuch"),
        ("supervision.value_invalid", "/filter.status"),
        ("supervision.value_invalid", "/filter.submitted_at.gte"),
        ("supervision.parameter_unknown", "/bogus"),
        ("supervision.sort_invalid", "/sort"),
        ("supervision.period_invalid", "/period"),
        ("supervision.limit_invalid", "/limit"),
    ]


def test_group_on_an_overlay_field_across_tenants_is_refused() -> None:
    assert _problems({"group": ["tenant,x_school"]}, aggregate=True) == [
        ("supervision.group_unindexed", "/group")
    ]
    assert _problems({"group": ["number"]}, aggregate=True) == [
        ("supervision.group_unknown", "/group")
    ]
    assert parse_query({"group": ["level,period.month"]}, aggregate=True).group == (
        "level",
        "period.month",
    )


def test_a_page_takes_no_grouping_and_only_an_export_a_format() -> None:
    assert _problems({"group": ["tenant"]}) == [("supervision.parameter_unknown", "/group")]
    assert _problems({"format": ["csv"]}) == [("supervision.format_invalid", "/format")]
    assert parse_query({"format": ["xlsx"]}, export=True).format == "xlsx"


def test_an_overlay_name_must_look_like_one() -> None:
    assert _problems({"fields": ["x_ok,drop table"]}) == [
        ("supervision.overlay_field_invalid", "/fields")
    ]


@pytest.mark.parametrize(
    ("raw", "start", "end"),
    [
        ("2026", date(2026, 1, 1), date(2027, 1, 1)),
        ("2026-Q4", date(2026, 10, 1), date(2027, 1, 1)),
        ("2026-02", date(2026, 2, 1), date(2026, 3, 1)),
        ("2026-07-01..2026-07-01", date(2026, 7, 1), date(2026, 7, 2)),
    ],
)
def test_periods(raw: str, start: date, end: date) -> None:
    p = parse_period(raw)
    assert (p.start, p.end) == (start, end)


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("2026-Q5", "supervision.period_invalid"),
        ("2026-02-30..2026-03-01", "supervision.period_invalid"),
        ("2026-07-31..2026-07-01", "supervision.period_reversed"),
        ("2020-01-01..2026-01-01", "supervision.period_too_long"),
        ("1999", "supervision.period_invalid"),
        ("last month", "supervision.period_invalid"),
    ],
)
def test_nonsense_periods(raw: str, code: str) -> None:
    with pytest.raises(PeriodError) as caught:
        parse_period(raw)
    assert (caught.value.detail.code, caught.value.detail.pointer) == (code, "/period")


def test_a_period_starts_at_china_midnight() -> None:
    p = parse_period("2026-07")
    assert p.starts_at.isoformat() == "2026-06-30T16:00:00+00:00"
