"""Hypothesis strategies for record payloads: mostly plausible, often subtly wrong.

Differential tests need payloads on both sides of every boundary a schema
draws: valid values, values just outside a bound, wrong types, unknown keys,
dates that do not exist, date-times in near-miss syntax, codes from other
lists. Plausible values come from the document's own field definitions.
"""

from __future__ import annotations

import string
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime
from typing import Any

from hypothesis import strategies as st

from yiwang.metadata.documents.field_types import FORMAT_PATTERNS

TRICKY_DATES = [
    "2024-02-29",
    "2023-02-29",
    "2024-02-30",
    "2024-13-01",
    "2024-00-10",
    "2024-1-01",
    "20240101",
    "2024-01-01T00:00:00Z",
    "２０２４-01-01",
    "2024-01-01 ",
    "0000-01-01",
    "9999-12-31",
    "2024-W01-1",
    "2024-001",
    "0999-01-01",
    "1000-01-01",
]
TRICKY_DATETIMES = [
    "2024-01-01T00:00:00Z",
    "2024-01-01T00:00:00+08:00",
    "2024-01-01t00:00:00z",
    "2024-01-01 00:00:00Z",
    "2024-01-01T24:00:00Z",
    "2024-01-01T23:59:60Z",
    "2024-01-01T00:00:00",
    "2024-01-01T00:00:00.123456Z",
    "2024-01-01T00:00:00.1234567Z",
    "2024-02-30T00:00:00Z",
    "2024-01-01T00:00:00+24:00",
    "2024-01-01T00:00:00+08",
    "2024-01-01T00:60:00Z",
    "2024-01-01T00:00:00-00:00",
    "0000-01-01T00:00:00Z",
    "0999-12-31T23:59:59Z",
]
NOISE = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**6), max_value=10**13),
    st.floats(allow_nan=False, allow_infinity=False, width=64),
    st.text(max_size=8),
    st.sampled_from(TRICKY_DATES + TRICKY_DATETIMES),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.sampled_from(["key", "name", "x", "size"]), st.text(max_size=3), max_size=2),
)
_TEXT = st.text(alphabet=string.ascii_letters + string.digits + "一网政务服务 -_", max_size=12)


def _codes(document: Mapping[str, Any], code_list: str) -> list[str]:
    values = document.get("code_lists", {}).get(code_list, {}).get("values", [])
    return [v["code"] for v in values] or ["?"]


def value_strategy(
    document: Mapping[str, Any], field: Mapping[str, Any], *, valid: bool = False
) -> st.SearchStrategy[Any]:
    """Values of one field: within its bounds if `valid`, else also just outside them."""
    kind = field["type"]
    slack = 0 if valid else 1
    if kind in ("text", "long_text"):
        pattern = field.get("pattern") or FORMAT_PATTERNS.get(field.get("format", ""))
        low, high = field.get("min_length", 0), field.get("max_length", 10**6)
        plain = st.text(min_size=max(0, low - slack), max_size=min(high + slack, 60))
        if pattern:
            matching = st.from_regex(pattern, fullmatch=True)
            if valid:
                return matching.filter(lambda v: low <= len(v) <= high)
            return st.one_of(matching, plain)
        return plain
    if kind in ("integer", "money"):
        low, high = field.get("min", -(10**6)), field.get("max", 10**9)
        return st.integers(min_value=int(low) - 2 * slack, max_value=int(high) + 2 * slack)
    if kind == "decimal":
        low, high = field.get("min", -1e6), field.get("max", 1e6)
        return st.one_of(
            st.floats(min_value=low - slack, max_value=high + slack, allow_nan=False),
            st.integers(min_value=int(low) + 1 - slack, max_value=int(high) - 1 + slack),
        )
    if kind == "date":
        dates = st.dates(min_value=date(1000, 1, 1)).map(lambda d: d.isoformat())
        return dates if valid else st.one_of(dates, st.sampled_from(TRICKY_DATES))
    if kind == "datetime":
        stamps = st.datetimes(min_value=datetime(1000, 1, 1), timezones=st.just(UTC)).map(
            lambda d: d.isoformat()
        )
        return stamps if valid else st.one_of(stamps, st.sampled_from(TRICKY_DATETIMES))
    if kind == "boolean":
        return st.booleans()
    if kind == "code":
        codes = _codes(document, field["code_list"])
        return st.sampled_from(codes if valid else [*codes, "zz"])
    if kind == "multi_code":
        codes = _codes(document, field["code_list"])
        low, high = field.get("min_items", 0), field.get("max_items", 4)
        if valid:
            return st.lists(st.sampled_from(codes), min_size=low, max_size=high, unique=True)
        return st.lists(st.sampled_from([*codes, "zz"]), max_size=high + 1)
    if kind == "division":
        return st.from_regex(r"^[0-9]{6}$" if valid else r"^[0-9]{5,7}$", fullmatch=True)
    if kind in ("department", "person", "reference"):
        return _TEXT.filter(lambda v: bool(v)) if valid else _TEXT
    if kind == "attachment":
        return attachment_strategy(field, valid=valid)
    if kind == "attachments":
        low, high = field.get("min_items", 0), field.get("max_items", 3)
        item = attachment_strategy(field, valid=valid)
        return st.lists(item, min_size=max(0, low - slack), max_size=min(high, 3) + slack)
    if kind == "table":
        row = record_strategy(document, field["columns"], valid=valid)
        low, high = field.get("min_items", 0), field.get("max_items", 3)
        return st.lists(row, min_size=max(0, low - slack), max_size=min(high, 3) + slack)
    raise AssertionError(kind)


def attachment_strategy(
    field: Mapping[str, Any], *, valid: bool = False
) -> st.SearchStrategy[dict[str, Any]]:
    types = list(field.get("accept", [])) or ["application/pdf"]
    top = field.get("max_size", 10**6)
    if valid:
        return st.fixed_dictionaries(
            {"key": st.just("objects/2026/a.pdf"), "name": st.just("申请书.pdf")},
            optional={
                "size": st.integers(min_value=0, max_value=top),
                "content_type": st.sampled_from(types),
                "sha256": st.just("0" * 64),
            },
        )
    return st.fixed_dictionaries(
        {"key": st.text(min_size=0, max_size=5), "name": st.just("申请书.pdf")},
        optional={
            "size": st.integers(min_value=-1, max_value=top + 1),
            "content_type": st.sampled_from([*types, "text/html"]),
            "sha256": st.sampled_from(["0" * 64, "g" * 64, "0" * 63]),
            "extra": st.just(1),
        },
    )


def record_strategy(
    document: Mapping[str, Any],
    fields: Mapping[str, Any] | None = None,
    *,
    valid: bool = False,
) -> st.SearchStrategy[dict[str, Any]]:
    """Records: required fields usually present, optional ones sometimes.

    With `valid`, every value is within its field's bounds and every required
    field is present (conditions may still fail); otherwise a field now and
    then gets noise, goes missing, or an unknown key appears.
    """
    fields = document["fields"] if fields is None else fields
    # built once, not on every draw: building and validating a field's strategy (a
    # regex's above all) costs far more than drawing from it
    values = {key: value_strategy(document, field, valid=valid) for key, field in fields.items()}

    @st.composite
    def build(draw: st.DrawFn) -> dict[str, Any]:
        record: dict[str, Any] = {}
        for key, field in fields.items():
            if valid:
                conditional = "required_when" in field
                present = field.get("required") or conditional or draw(st.booleans())
            else:
                present = draw(st.integers(0, 9)) < (9 if field.get("required") else 5)
            if not present:
                continue
            noisy = not valid and draw(st.integers(0, 19)) == 0
            record[key] = draw(NOISE if noisy else values[key])
        if not valid and draw(st.integers(0, 14)) == 0:
            record[draw(st.sampled_from(["x_unknown", "id", "备注"]))] = draw(NOISE)
        return record

    return build()


def payload_strategy(
    document: Mapping[str, Any], accept: Callable[[Any], bool] | None = None
) -> st.SearchStrategy[dict[str, Any]]:
    """Valid-leaning and noisy records, so both verdicts show up often.

    `accept`, when given, keeps a third branch to the records it accepts
    (cross-field conditions make valid records rare otherwise).
    """
    branches = [record_strategy(document, valid=True), record_strategy(document)]
    if accept is not None:
        branches.append(record_strategy(document, valid=True).filter(accept))
    return st.one_of(branches)
