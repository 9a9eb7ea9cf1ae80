"""The indexes list views want, their names and their DDL, from whitelisted parts only."""

from __future__ import annotations

from typing import Any

import pytest

from yiwang.metadata.resolution.resolve import EffectiveModel
from yiwang.runtime.lists.compile import compile_page
from yiwang.runtime.lists.indexes import IndexPart, IndexSpec, document_indexes, wanted
from yiwang.runtime.lists.query import plan_query
from yiwang.runtime.lists.views import view_of


def test_each_indexed_field_and_each_sorted_view_gets_its_index(province: EffectiveModel) -> None:
    specs = {
        tuple((p.field, p.descending) for p in s.parts)
        for s in document_indexes(province.document("special_fund"))
    }
    assert (("fund_kind", False),) in specs  # an indexed field
    sort = (("fiscal_year", True), ("competent_department_name", False))
    assert sort in specs  # the public view's order
    assert (("fund_kind", False), *sort) in specs  # an indexed filter of that view, then its order
    assert (("competent_department", False), *sort) in specs
    assert not any(parts[0][0] == "fiscal_year" and len(parts) == 3 for parts in specs)


def test_personal_fields_are_indexed_by_their_blind_index(province: EffectiveModel) -> None:
    kinds = {
        s.parts[0].field: s.parts[0].kind
        for s in document_indexes(province.document("application"))
        if len(s.parts) == 1
    }
    assert kinds["id_number"] == "pii" and kinds["channel"] == "text"


def test_the_ddl_is_concurrent_partial_and_uses_the_query_expressions(
    province: EffectiveModel,
) -> None:
    document = province.document("special_fund")
    spec = IndexSpec(
        "special_fund",
        (IndexPart("fiscal_year", "integer", True), IndexPart("competent_department_name", "text")),
    )
    assert spec.ddl() == (
        f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {spec.name} ON records"
        " (tenant_id, yiwang_int(data, 'fiscal_year') DESC,"
        " yiwang_text(data, 'competent_department_name'), id)"
        " WHERE type_key = 'special_fund' AND deleted_at IS NULL"
    )
    plan = plan_query(
        document, view_of(document, "public_index"), {}, hash_pii=lambda k, v: v, searchable=False
    )
    sql = compile_page(
        document,
        plan,
        tenant_ids=(1,),
        restrict_to_department=False,
        department=None,
        after=None,
        reveal=False,
    ).sql
    assert (
        "yiwang_int(data, 'fiscal_year') DESC" in sql
        and "yiwang_text(data, 'competent_department_name') ASC" in sql
    )


def test_names_are_stable_and_fit_postgresql(province: EffectiveModel) -> None:
    every = wanted([province])
    assert every == wanted([province])
    assert all(len(name) <= 63 and name.startswith("rx_") for name in every)
    assert {s.type_key for s in every.values()} >= {"special_fund", "service_item", "application"}
    assert "food_business_license" not in {
        s.type_key for s in every.values()
    }  # forms are not records


@pytest.mark.parametrize(
    "value",
    [
        {
            "type_key": "special_fund",
            "parts": [{"field": "x'); DROP TABLE records; --", "kind": "text", "order": "asc"}],
        },
        {
            "type_key": "special_fund; DROP",
            "parts": [{"field": "a", "kind": "text", "order": "asc"}],
        },
        {
            "type_key": "special_fund",
            "parts": [{"field": "a", "kind": "text); DROP", "order": "asc"}],
        },
        {
            "type_key": "special_fund",
            "parts": [{"field": "a", "kind": "text", "order": "asc; DROP"}],
        },
        {
            "type_key": "special_fund",
            "parts": [{"field": "a", "kind": "text", "order": "asc", "sql": "x"}],
        },
        {"type_key": "special_fund", "parts": []},
        {"type_key": "special_fund", "parts": [], "where": "TRUE"},
        "CREATE INDEX",
    ],
)
def test_a_stored_specification_is_parsed_strictly(value: Any) -> None:
    with pytest.raises(ValueError):
        IndexSpec.from_json(value)


def test_a_specification_round_trips(province: EffectiveModel) -> None:
    for spec in wanted([province]).values():
        assert IndexSpec.from_json(spec.as_json()) == spec


def test_a_type_with_searched_fields_wants_one_search_index(province: EffectiveModel) -> None:
    from yiwang.runtime.lists.indexes import SEARCH

    specs = [s for s in document_indexes(province.document("service_item")) if s.is_search]
    assert [tuple(p.field for p in s.parts) for s in specs] == [
        ("task_name", "task_code", "dept_name")
    ]
    assert specs[0].ddl() == (
        f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {specs[0].name} ON records USING gin"
        " (yiwang_search_bigrams((((coalesce((data ->> 'task_name'), '') || chr(31))"
        " || coalesce((data ->> 'task_code'), '')) || chr(31))"
        " || coalesce((data ->> 'dept_name'), '')))"
        " WHERE type_key = 'service_item' AND deleted_at IS NULL"
    )
    assert IndexSpec.from_json(specs[0].as_json()) == specs[0]
    mixed = {
        "type_key": "service_item",
        "parts": [
            {"field": "task_name", "kind": SEARCH, "order": "asc"},
            {"field": "task_code", "kind": "text", "order": "asc"},
        ],
    }
    with pytest.raises(ValueError):
        IndexSpec.from_json(mixed)
