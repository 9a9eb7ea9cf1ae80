"""How a sheet's cells become a record's values: by the field's type, a code by its code
or label, money in 元 to 分; and which columns a sheet of a type may hold."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from yiwang.metadata.documents.shapes import Document
from yiwang.metadata.resolution.resolve import EffectiveModel
from yiwang.runtime.records.imports import (
    CellReader,
    CellRefused,
    import_fields,
    import_id_of,
    import_key,
)


@pytest.fixture(scope="module")
def funds(province: EffectiveModel) -> Document:
    return province.document("special_fund")


@pytest.fixture(scope="module")
def applications(province: EffectiveModel) -> Document:
    return province.document("application")


def test_the_columns_are_what_a_client_may_set(funds: Document, applications: Document) -> None:
    fields = import_fields(funds)
    keys = [f.key for f in fields]
    assert keys[:3] == ["number", "status", "tenant"]  # the export's own, skipped
    labels = {f.label for f in fields if f.key == "budget_amount"}
    assert labels == {"预算金额", "预算金额（元）"}
    assert {f.key for f in fields if f.required} >= {"fund_name", "fiscal_year"}
    # the platform fills an application's service item and channel: no column for them
    assert not {"service_item", "channel"} & {f.key for f in import_fields(applications)}


def test_cells_are_read_by_their_fields_type(funds: Document) -> None:
    reader = CellReader(funds)
    assert reader.value("budget_amount", 1234.56) == 123_456
    assert reader.value("budget_amount", "1,000.5元") == 100_050
    assert reader.value("budget_amount", 7) == 700
    assert reader.value("fund_kind", "部门预算专项") == "1"
    assert reader.value("fund_kind", 2) == "2"
    assert reader.value("fiscal_year", 2026) == 2026
    assert reader.value("fiscal_year", " 2026 ") == 2026
    assert reader.value("single_function", "是") is True
    assert reader.value("single_function", False) is False
    assert reader.value("fund_name", 12.0) == "12"
    for key, raw, code in [
        ("budget_amount", 0.001, "records.import.money"),
        ("budget_amount", "十万", "records.import.money"),
        ("fiscal_year", 2026.5, "records.import.integer"),
        ("fiscal_year", True, "records.import.integer"),
        ("single_function", "也许", "records.import.boolean"),
        ("fund_kind", "没有的类别", "records.import.code_unknown"),
    ]:
        with pytest.raises(CellRefused) as refused:
            reader.value(key, raw)
        assert refused.value.code == code, (key, raw)


def test_dates_and_times(province: EffectiveModel) -> None:
    for key in province.documents:
        document = province.documents[key]
        if document.get("kind") != "item":
            continue
        fields = document["fields"]
        dates = [k for k, f in fields.items() if f["type"] == "date"]
        moments = [k for k, f in fields.items() if f["type"] == "datetime"]
        if dates and moments:
            reader = CellReader(document)
            assert reader.value(dates[0], datetime(2026, 12, 1, 9, 30)) == "2026-12-01"
            assert reader.value(dates[0], date(2026, 12, 1)) == "2026-12-01"
            assert reader.value(moments[0], datetime(2026, 12, 1, 9, 30)) == (
                "2026-12-01T09:30:00+08:00"
            )
            return
    pytest.fail("no item type with both a date and a datetime field")


def test_the_key_is_the_servers() -> None:
    assert import_key(3, "ab" * 16) == f"t/3/imports/{'ab' * 16}.xlsx"
    with pytest.raises(ValueError):
        import_key(3, "../x")


def test_the_sweep_knows_an_upload_only_by_the_name_an_import_gives_it() -> None:
    """Only `t/<tenant>/imports/<id>.xlsx` of the tenant swept is an import's upload."""
    upload = "ab" * 16
    assert import_id_of(import_key(3, upload), 3) == upload
    for other in (
        import_key(3, upload),  # another tenant's folder
        f"t/4/imports/{upload}.csv",
        f"t/4/imports/{upload}.xlsx.part",
        f"t/4/imports/x/{upload}.xlsx",
        f"t/4/exports/{upload}.xlsx",
        "t/4/imports/readme.xlsx",
    ):
        assert import_id_of(other, 4) is None, other
