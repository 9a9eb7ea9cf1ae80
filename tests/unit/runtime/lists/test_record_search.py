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
