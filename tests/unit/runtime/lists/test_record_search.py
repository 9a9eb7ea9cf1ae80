"""The records search hook: which fields a type is found by, and SQL text free of user text."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from typing import Any

from yiwang.metadata.resolution.resolve import EffectiveModel
from yiwang.runtime.lists import search
from yiwang.runtime.lists.record_search import records_search, search_fields
from yiwang.runtime.lists.views import view_of

MIGRATION = Path(__file__).parents[4] / "migrations" / "versions" / "0010_search.py"


def test_the_migration_freezes_the_functions_the_module_defines() -> None:
    spec = importlib.util.spec_from_file_location("search_migration", MIGRATION)
    assert spec is not None and spec.loader is not None
    module: Any = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.FUNCTIONS_DDL == search.FUNCTIONS_DDL
    assert module.DROP_FUNCTIONS_DDL == search.DROP_FUNCTIONS_DDL


def test_a_service_item_is_found_by_the_text_its_lists_show(province: EffectiveModel) -> None:
    document = province.document("service_item")
    assert search_fields(document) == ("task_name", "task_code", "dept_name")


def test_personal_data_is_never_searched(province: EffectiveModel) -> None:
    document = province.document("application")
    assert "applicant_name" not in search_fields(document)


def test_the_query_travels_as_parameters_under_the_prefix(province: EffectiveModel) -> None:
    document = province.document("service_item")
    typed = "营业执照' OR '1'='1"
    sql, params = records_search(document, view_of(document, None), typed, "q")
    assert "营业" not in sql and "OR '1'" not in sql
    assert set(re.findall(r"(?<![:\w]):(\w+)", sql)) == set(params)
    assert all(name.startswith("q_") for name in params)
    assert "营业执照'" in params.values()
    assert records_search(document, view_of(document, None), "   ", "q") == ("TRUE", {})


def _compiled_afresh(document: Any, text: str, prefix: str) -> tuple[str, dict[str, Any]]:
    """What the hook answered before it kept compiled clauses: compile this query."""
    from yiwang.runtime.lists.record_search import _DIALECT, _PLACEHOLDER, record_document

    query = search.parse_query(text)
    assert query is not None
    doc = record_document(document)
    assert doc is not None
    compiled = search.match(doc, query).compile(
        dialect=_DIALECT, compile_kwargs={"render_postcompile": True}
    )
    params = {f"{prefix}_{name}": value for name, value in compiled.params.items()}
    return _PLACEHOLDER.sub(lambda m: f":{prefix}_{m.group(1)}", str(compiled)), params


def test_a_kept_clause_says_what_compiling_the_query_says(province: EffectiveModel) -> None:
    document = province.document("service_item")
    view = view_of(document, None)
    for typed in ("食", "食品", "食品经营", "食品 经营许可 证", "营业执照' OR '1'='1", "a b c"):
        assert records_search(document, view, typed, "q") == _compiled_afresh(document, typed, "q")
    # the same shape with other words: the same text, other values
    first, second = (records_search(document, view, t, "q") for t in ("食品经营", "户口迁移"))
    assert first[0] == second[0] and first[1] != second[1]
