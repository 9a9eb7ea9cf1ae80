"""List compilation: the view's whitelist, typed values, keyset SQL, and what never
reaches SQL text (names and values the client sends)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from yiwang.metadata.documents.shapes import Document
from yiwang.metadata.resolution.resolve import EffectiveModel
from yiwang.runtime.lists import cursor
from yiwang.runtime.lists.compile import Compiled, compile_page
from yiwang.runtime.lists.errors import ListQueryInvalid, ViewUnknown
from yiwang.runtime.lists.query import Plan, plan_query
from yiwang.runtime.lists.views import view_of


def _hash(key: str, value: str) -> str:
    return f"hash:{key}:{len(value)}"


@pytest.fixture(scope="module")
def funds(province: EffectiveModel) -> Document:
    return province.document("special_fund")


@pytest.fixture(scope="module")
def applications(province: EffectiveModel) -> Document:
    return province.document("application")


def plan(document: Document, params: dict[str, list[str]], view: str | None = None) -> Plan:
    return plan_query(document, view_of(document, view), params, hash_pii=_hash, searchable=False)


def compiled(
    document: Document, params: dict[str, list[str]], view: str | None = None, **kw: Any
) -> Compiled:
    made = plan(document, params, view)
    after = cursor.decode(made, made.cursor) if made.cursor else None
    return compile_page(
        document,
        made,
        tenant_ids=kw.pop("tenant_ids", (7,)),
        restrict_to_department=kw.pop("restrict", False),
        department=kw.pop("department", None),
        after=after,
        reveal=False,
        **kw,
    )


def problems(
    document: Document, params: dict[str, list[str]], view: str | None = None
) -> dict[str, str]:
    with pytest.raises(ListQueryInvalid) as info:
        plan(document, params, view)
    assert info.value.code == "lists.invalid"
    return {d.pointer or "": d.code for d in info.value.details}


# --- the whitelist ------------------------------------------------------------------


def test_the_default_view_is_the_first_staff_view(funds: Document) -> None:
    assert view_of(funds, None).key == "staff_index"
    with pytest.raises(ViewUnknown) as info:
        view_of(funds, "secret_view")
    assert info.value.pointer == "/view"


def test_filters_and_sorts_outside_the_view_are_refused_each_with_its_pointer(
    funds: Document,
) -> None:
    found = problems(
        funds,
        {
            "filter.management_rules": ["x"],  # a field, but not a filter of the view
            "filter.fiscal_year.between": ["2020"],  # not an operator of integers
            "sort": ["-performance_target"],
            "limit": ["1000"],
            "colour": ["red"],
        },
        view="public_index",
    )
    assert found == {
        "/filter.management_rules": "lists.filter_not_allowed",
        "/filter.fiscal_year.between": "lists.filter_operator",
        "/sort": "lists.sort_not_allowed",
        "/limit": "lists.limit_invalid",
        "/colour": "lists.parameter_unknown",
    }


@pytest.mark.parametrize(
    ("params", "pointer", "code"),
    [
        ({"filter.fiscal_year": ["二〇二六"]}, "/filter.fiscal_year", "lists.filter_value"),
        ({"filter.fiscal_year": ["2026.5"]}, "/filter.fiscal_year", "lists.filter_value"),
        ({"filter.fund_kind": ["7"]}, "/filter.fund_kind", "lists.filter_code_unknown"),
        ({"filter.fund_kind.in": ["1,7"]}, "/filter.fund_kind.in", "lists.filter_code_unknown"),
        ({"filter.fiscal_year": ["1", "2"]}, "/filter.fiscal_year", "lists.parameter_repeated"),
        ({"q": ["营业执照"]}, "/q", "lists.search.unavailable"),
        ({"personal": ["all"]}, "/personal", "lists.personal_invalid"),
    ],
)
def test_values_are_typed_by_the_field(
    funds: Document, params: dict[str, list[str]], pointer: str, code: str
) -> None:
    assert problems(funds, params) == {pointer: code}


def test_typed_values_are_parsed_not_echoed(funds: Document, province: EffectiveModel) -> None:
    made = plan(funds, {"filter.fiscal_year.ge": ["2025"], "filter.fund_kind.in": ["1,2"]})
    assert {(c.field, c.op, c.kind): c.value for c in made.conditions} == {
        ("fiscal_year", "ge", "integer"): 2025,
        ("fund_kind", "in", "text"): ["1", "2"],
    }
    service = province.document("service_item")
    dated = plan_query(
        service,
        view_of(service, "public_index"),
        {"filter.is_online": ["是"]},
        hash_pii=_hash,
        searchable=False,
    )
    assert [(c.field, c.value) for c in dated.conditions] == [("is_online", True)]


# --- nothing the client sends becomes SQL text --------------------------------------

INJECTIONS = [
    "x' OR '1'='1",
    "1; DROP TABLE records; --",
    "') OR 1=1 --",
    "$$; DELETE FROM records; $$",
    "\\'; SELECT pg_sleep(10); --",
]


@pytest.mark.parametrize("evil", INJECTIONS)
def test_filter_values_are_bound_parameters(funds: Document, evil: str) -> None:
    made = compiled(funds, {"filter.competent_department": [evil]})
    assert evil not in made.sql
    assert evil in made.params.values()
    assert re.search(r"yiwang_text\(data, 'competent_department'\) = CAST\(:f0 AS text\)", made.sql)


@pytest.mark.parametrize("evil", INJECTIONS)
def test_field_names_never_reach_sql(funds: Document, evil: str) -> None:
    found = problems(funds, {f"filter.{evil}": ["1"], "sort": [evil]})
    assert set(found.values()) == {"lists.filter_not_allowed", "lists.sort_not_allowed"}


@pytest.mark.parametrize("evil", INJECTIONS)
def test_prefix_patterns_are_escaped_and_bound(province: EffectiveModel, evil: str) -> None:
    service = province.document("service_item")
    view = view_of(service, "public_index")
    patched = dict(
        service,
        lists={"public_index": {**service["lists"]["public_index"], "filters": ["task_name"]}},
    )
    made = plan_query(
        patched,
        view_of(patched, "public_index"),
        {"filter.task_name.prefix": [evil + "%_"]},
        hash_pii=_hash,
        searchable=False,
    )
    out = compile_page(
        patched,
        made,
        tenant_ids=(1,),
        restrict_to_department=False,
        department=None,
        after=None,
        reveal=False,
    )
    assert evil not in out.sql and view.key == "public_index"
    assert out.params["f0"].endswith("\\%\\_%")


def test_a_tampered_cursor_is_refused(funds: Document) -> None:
    first = plan(funds, {"sort": ["-fiscal_year"]})
    token = cursor.encode(first, [2026, 41])
    assert cursor.decode(first, token) == [2026, 41]
    other = plan(funds, {"sort": ["fiscal_year"]})
    for bad in (token + "x", "not-base64!", cursor.encode(first, ["1; DROP", 41])):
        with pytest.raises(ListQueryInvalid) as info:
            target = other if bad == token + "x" else first
            cursor.decode(target, bad)
        assert info.value.code == "lists.cursor_invalid"
    # a cursor of another query (other order) is refused, whatever it holds
    with pytest.raises(ListQueryInvalid):
        cursor.decode(other, token)


# --- the SQL it makes ---------------------------------------------------------------


def test_one_tenant_reads_one_index_range_in_the_views_order(funds: Document) -> None:
    made = compiled(funds, {"filter.fund_kind": ["2"]}, view="public_index")
    assert made.sql.startswith("SELECT ")
    assert (
        "WHERE tenant_id = :tenant AND type_key = 'special_fund' AND deleted_at IS NULL" in made.sql
    )
    assert made.sql.endswith(
        "ORDER BY yiwang_int(data, 'fiscal_year') DESC,"
        " yiwang_text(data, 'competent_department_name') ASC, id ASC LIMIT :limit"
    )
    assert made.params["limit"] == 51 and made.params["tenant"] == 7
    assert made.sort_values == 2


def test_without_a_sort_the_newest_come_first(funds: Document) -> None:
    made = compiled(funds, {})
    assert made.sql.endswith("ORDER BY id DESC LIMIT :limit")


def test_a_subtree_merges_each_tenants_first_page(funds: Document) -> None:
    made = compiled(funds, {"filter.fund_kind": ["2"]}, view="public_index", tenant_ids=(1, 2, 3))
    assert "FROM unnest(CAST(:tenants AS bigint[])) AS scope(scope_tenant)" in made.sql
    assert "CROSS JOIN LATERAL" in made.sql
    assert "ORDER BY s0 DESC, s1 ASC, key_id ASC LIMIT :limit) AS top" in made.sql
    assert made.sql.endswith("ORDER BY s0 DESC, s1 ASC, id ASC")
    assert made.params["tenants"] == [1, 2, 3]
    # each tenant's page carries its keys and sort values only; the documents are read
    # once, for the merged page's rows
    merged = made.sql.split(" FROM (SELECT page.*", 1)[1].split(") AS top", 1)[0]
    assert "SELECT tenant_id AS key_tenant, id AS key_id, " in merged
    assert "shown" not in merged and made.sql.count("data || jsonb_build_object()") == 1


def test_department_only_access_adds_its_department_or_nothing(funds: Document) -> None:
    mine = compiled(funds, {}, restrict=True, department="jyt")
    assert (
        "department = CAST(:department AS text)" in mine.sql and mine.params["department"] == "jyt"
    )
    none = compiled(funds, {}, restrict=True, department=None)
    assert " AND FALSE" in none.sql


def test_keyset_continues_after_the_last_row(funds: Document) -> None:
    first = plan(funds, {}, view="public_index")
    token = cursor.encode(first, [2026, "甘肃省教育厅", 41])
    made = compiled(funds, {"cursor": [token]}, view="public_index")
    # required fields: no NULL branch; the first key bounds the index range
    assert (
        "yiwang_int(data, 'fiscal_year') <= CAST(:c0 AS bigint) AND "
        "(yiwang_int(data, 'fiscal_year') < CAST(:c0 AS bigint) OR "
        "(yiwang_int(data, 'fiscal_year') = CAST(:c0 AS bigint) AND "
        "(yiwang_text(data, 'competent_department_name') > CAST(:c1 AS text) OR "
        "(yiwang_text(data, 'competent_department_name') = CAST(:c1 AS text) AND id > :c2))))"
    ) in made.sql
    assert (made.params["c0"], made.params["c1"], made.params["c2"]) == (2026, "甘肃省教育厅", 41)


def test_keyset_on_an_optional_field_keeps_rows_without_it(province: EffectiveModel) -> None:
    service = province.document("service_item")
    made_plan = plan_query(
        service,
        view_of(service, "public_index"),
        {"sort": ["promise_day"]},
        hash_pii=_hash,
        searchable=False,
    )
    token = cursor.encode(made_plan, [3, 9])
    after = cursor.decode(made_plan, token)
    out = compile_page(
        service,
        made_plan,
        tenant_ids=(1,),
        restrict_to_department=False,
        department=None,
        after=after,
        reveal=False,
    )
    # promise_day is required: no NULL branch
    assert "yiwang_int(data, 'promise_day') > CAST(:c0 AS bigint)" in out.sql
    optional = dict(
        service,
        fields={
            **service["fields"],
            "promise_day": {**service["fields"]["promise_day"], "required": False},
        },
    )
    out = compile_page(
        optional,
        made_plan,
        tenant_ids=(1,),
        restrict_to_department=False,
        department=None,
        after=after,
        reveal=False,
    )
    assert (
        "(yiwang_int(data, 'promise_day') > CAST(:c0 AS bigint) OR "
        "yiwang_int(data, 'promise_day') IS NULL)"
    ) in out.sql


def test_personal_fields_are_filtered_by_their_blind_index_only(applications: Document) -> None:
    patched = dict(
        applications,
        lists={"staff_index": {**applications["lists"]["staff_index"], "filters": ["id_number"]}},
    )
    made = plan_query(
        patched,
        view_of(patched, None),
        {"filter.id_number": ["620102199001011237"]},
        hash_pii=_hash,
        searchable=False,
    )
    assert [(c.kind, c.value) for c in made.conditions] == [("pii", "hash:id_number:18")]
    out = compile_page(
        patched,
        made,
        tenant_ids=(1,),
        restrict_to_department=False,
        department=None,
        after=None,
        reveal=False,
    )
    assert "yiwang_text(pii_index, 'id_number') = CAST(:f0 AS text)" in out.sql
    assert "620102199001011237" not in str(out.params)
    with pytest.raises(ListQueryInvalid):
        plan_query(
            patched,
            view_of(patched, None),
            {"filter.id_number.prefix": ["6201"]},
            hash_pii=_hash,
            searchable=False,
        )


def test_a_search_clause_plugs_in_with_its_own_parameters(funds: Document) -> None:
    calls: list[str] = []

    def search(document: Document, view: Any, text: str, prefix: str) -> tuple[str, dict[str, Any]]:
        calls.append(text)
        return f"yiwang_text(data, 'fund_name') = :{prefix}0", {f"{prefix}0": text}

    made = plan_query(
        funds, view_of(funds, None), {"q": ["  教育  "]}, hash_pii=_hash, searchable=True
    )
    out = compile_page(
        funds,
        made,
        tenant_ids=(1,),
        restrict_to_department=False,
        department=None,
        after=None,
        reveal=False,
        search=search,
    )
    assert calls == ["教育"] and out.params["q0"] == "教育"
    assert "(yiwang_text(data, 'fund_name') = :q0)" in out.sql
