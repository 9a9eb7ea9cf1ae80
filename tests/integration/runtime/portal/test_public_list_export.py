"""导出 of a public list: anyone downloads what the page shows, as XLSX or CSV, and no more."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import unquote

import openpyxl
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.integration.http_client import client_for
from yiwang.platform.settings import Settings
from yiwang.runtime.portal import list_export

Client = AsyncTestClient[Litestar]
HTML = {"accept": "text/html,application/xhtml+xml"}
POWERS = "/r/620000/open/power_item"


@pytest.fixture
async def client(migrated: Settings, samples: dict[str, Any]) -> AsyncIterator[Client]:
    async with client_for(migrated) as made:
        yield made


def _page_names(html: str) -> list[str]:
    """The 事项名称 cell of every row the page shows."""
    headers = re.findall(r'<th scope="col">([^<]+)</th>', html)
    column = headers.index("事项名称")
    rows = re.findall(r"<tr>((?:<td>[^<]*</td>)+)</tr>", html)
    return [re.findall(r"<td>([^<]*)</td>", row)[column] for row in rows]


async def test_the_page_offers_the_export_of_what_it_shows(client: Client) -> None:
    page = await client.get(POWERS, params={"filter.task_type": "02"}, headers=HTML)
    assert page.status_code == 200, page.text
    links = re.findall(r'<a href="([^"]+/export\?[^"]+)" download>', page.text)
    assert [unquote(x.replace("&amp;", "&")) for x in links] == [
        f"{POWERS}/export?filter.task_type=02&format=xlsx",
        f"{POWERS}/export?filter.task_type=02&format=csv",
    ]


async def test_xlsx_holds_every_row_of_the_filtered_view_and_no_other(client: Client) -> None:
    page = await client.get(POWERS, params={"filter.task_type": "02", "limit": "100"})
    shown = _page_names(page.text)
    assert shown and "对违反价格法律法规行为的行政处罚" in shown

    answer = await client.get(f"{POWERS}/export", params={"filter.task_type": "02"})
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    disposition = answer.headers["content-disposition"]
    assert disposition.startswith("attachment; filename*=utf-8''")
    assert unquote(disposition.split("''", 1)[1]).endswith(".xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(answer.content), read_only=True).active
    assert sheet is not None
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    header, body = rows[0], rows[1:]
    assert header[:3] == ["编号", "状态", "区划"]
    name_column = next(i for i, h in enumerate(header) if h == "事项名称")
    assert sorted(str(r[name_column]) for r in body) == sorted(shown)
    assert "企业投资项目核准" not in {r[name_column] for r in body}
    assert {r[1] for r in body} == {"有效"}  # the status as the list names it, not its key


async def test_csv_follows_the_search_and_opens_in_excel(client: Client) -> None:
    page = await client.get(POWERS, params={"q": "行政处罚", "limit": "100"})
    shown = _page_names(page.text)
    assert shown
    answer = await client.get(f"{POWERS}/export", params={"q": "行政处罚", "format": "csv"})
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/csv")
    assert answer.content.startswith("\ufeff".encode())  # Excel reads UTF-8 only with the mark
    table = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"))))
    name_column = table[0].index("事项名称")
    assert sorted(r[name_column] for r in table[1:]) == sorted(shown)


async def test_what_is_not_a_public_list_or_format_is_refused(client: Client) -> None:
    bad_format = await client.get(f"{POWERS}/export", params={"format": "pdf"})
    assert bad_format.status_code == 422
    assert bad_format.json()["error"]["code"] == "lists.export.format_invalid"
    assert bad_format.json()["error"]["pointer"] == "/format"
    assert (await client.get("/r/620000/open/application/export")).status_code == 404
    assert (await client.get("/r/629999/open/power_item/export")).status_code == 404


async def test_a_list_longer_than_the_bound_asks_for_a_narrower_filter(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    page = await client.get(POWERS, params={"filter.task_type": "02", "limit": "100"})
    count = len(_page_names(page.text))
    assert count >= 2
    monkeypatch.setattr(list_export, "MAX_ROWS", count - 1)
    refused = await client.get(f"{POWERS}/export", params={"filter.task_type": "02"})
    assert refused.status_code == 422
    assert refused.json()["error"]["code"] == "lists.export.public_too_large"
    assert f"共 {count} 条" in refused.json()["error"]["message"]
    monkeypatch.setattr(list_export, "MAX_ROWS", count)
    assert (
        await client.get(f"{POWERS}/export", params={"filter.task_type": "02"})
    ).status_code == 200
