"""What a list page's statement hands back: of each record's document, only the fields
its view shows.

A service item's document is about 2.7 kB of JSON and a page shows seven of its
fields: decoding the whole of 21 documents per page was the largest part of a staff
list request in Python (`bench/records_list.py`). The values shown stay the same,
personal data masked or in full included (`test_records.py`).
"""

from __future__ import annotations

import pytest

from tests.integration.runtime.conftest import Runtime, special_fund
from yiwang.runtime.lists.compile import compile_page
from yiwang.runtime.records.service import Viewer

PROVINCE = "620000"


@pytest.mark.parametrize("subtree", [False, True])
async def test_a_page_reads_only_the_fields_its_view_shows(
    runtime: Runtime, tag: str, subtree: bool
) -> None:
    department = f"r{tag}"
    async with runtime.records(PROVINCE) as records:
        created = await records.create(
            "special_fund", special_fund(department, 2036, legal_basis="《预算法》第三十二条")
        )
    params = {"filter.competent_department": [department]}
    async with runtime.lists(PROVINCE) as lists:
        prepared = await lists.prepare("special_fund", params, viewer=Viewer(False, None))
        columns = prepared.plan.view.columns
        stored = set(created.body["data"])
        assert stored - set(columns), "the fund's document holds fields the view does not show"
        province = runtime.tree.node(PROVINCE).id
        compiled = compile_page(
            prepared.document,
            prepared.plan,
            tenant_ids=(province, runtime.tree.node("620100").id) if subtree else (province,),
            restrict_to_department=False,
            department=None,
            after=None,
            reveal=False,
        )
        rows = await lists.repo.page(compiled)
        page = await lists.page("special_fund", params, viewer=Viewer(False, None))
    assert [row["id"] for row in rows] == [created.id]
    assert set(rows[0]["data"]) == set(columns)
    shown = page.items[0]["values"]
    assert shown == {key: created.body["data"].get(key) for key in columns}
