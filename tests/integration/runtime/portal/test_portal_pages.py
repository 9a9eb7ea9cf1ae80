"""The citizen subsite's pages over HTTP, against the real services and the bundled samples."""

from __future__ import annotations

import itertools
import re
from collections.abc import AsyncIterator
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.integration.http_client import client_for
from tests.integration.runtime.conftest import CHENGGUAN
from yiwang.platform.settings import Settings

Client = AsyncTestClient[Litestar]
HTML = {"accept": "text/html,application/xhtml+xml"}


@pytest.fixture
async def client(migrated: Settings, samples: dict[str, Any]) -> AsyncIterator[Client]:
    async with client_for(migrated) as made:
        yield made


def _landmarks(html: str) -> None:
    for tag in ("<header", "<nav", "<main", "<footer"):
        assert tag in html, tag
    assert 'href="#main"' in html and 'id="main"' in html  # the skip link and its target
    levels = [int(m) for m in re.findall(r"<h([1-6])[ >]", html)]
    assert levels[0] == 1 and levels.count(1) == 1, levels
    assert all(b - a <= 1 for a, b in itertools.pairwise(levels)), levels


def _result_names(html: str) -> list[str]:
    return re.findall(r'<h3><a href="/r/\d+/services/\d+">([^<]+)</a></h3>', html)


async def test_home_has_the_shell_themes_and_region_switch(client: Client) -> None:
    page = await client.get(f"/r/{CHENGGUAN}/", headers=HTML)
    assert page.status_code == 200
    html = page.text
    _landmarks(html)
    assert "甘肃省政务服务网" in html  # the province's identity
    assert '<span class="region-name">城关区</span>' in html
    for theme in ("行政审批", "便民服务", "阳光政务"):
        assert theme in html
    assert f'href="/r/{CHENGGUAN}/regions"' in html
    regions = await client.get(f"/r/{CHENGGUAN}/regions", headers=HTML)
    assert regions.status_code == 200
    assert 'href="/r/620500/"' in regions.text  # 天水市: any other region, by the tree
    assert 'href="/r/620102/" aria-current="page"' in regions.text


async def test_display_preferences_persist_in_a_cookie(client: Client) -> None:
    home = f"/r/{CHENGGUAN}/"
    assert '<html lang="zh-CN">' in (await client.get(home)).text
    moved = await client.get(
        f"/r/{CHENGGUAN}/display", params={"set": "large", "back": home}, follow_redirects=False
    )
    assert moved.status_code == 303 and moved.headers["location"] == home
    assert "yw_display=large" in moved.headers["set-cookie"]
    assert 'class="text-large"' in (await client.get(home)).text
    await client.get(f"/r/{CHENGGUAN}/display", params={"set": "plain", "back": home})
    assert 'class="text-large mode-plain"' in (await client.get(home)).text
    away = await client.get(
        f"/r/{CHENGGUAN}/display",
        params={"set": "rich", "back": "//evil.example/"},
        follow_redirects=False,
    )
    assert away.headers["location"] == home  # never off the site
    assert 'class="text-large"' in (await client.get(home)).text


async def test_search_finds_the_province_items_that_apply_here(client: Client) -> None:
    page = await client.get(f"/r/{CHENGGUAN}/services", params={"q": "消防"}, headers=HTML)
    assert page.status_code == 200, page.text
    _landmarks(page.text)
    assert _result_names(page.text) == ["特殊建设工程消防设计审查"]
    assert "办理地：甘肃省 · " in page.text  # where it is handled
    own = await client.get(f"/r/{CHENGGUAN}/services", params={"q": "个体工商户"}, headers=HTML)
    assert "个体工商户设立登记" in _result_names(own.text)
    assert "办理地：城关区 · 兰州市城关区市场监督管理局" in own.text
    # 天水市 is not under 城关区: its search does not see 城关区's items
    other = await client.get("/r/620500/services", params={"q": "个体工商户"}, headers=HTML)
    assert _result_names(other.text) == []


async def test_browse_by_theme_audience_event_and_department(client: Client) -> None:
    base = f"/r/{CHENGGUAN}/services"
    approval = _result_names((await client.get(base, params={"theme": "approval"})).text)
    convenience = _result_names((await client.get(base, params={"theme": "convenience"})).text)
    assert "食品经营许可（新办）" in approval and "食品经营许可（新办）" not in convenience
    assert set(approval).isdisjoint(convenience)
    legal = _result_names((await client.get(base, params={"filter.server_type.has": "2"})).text)
    assert "最低生活保障申请" not in legal and "食品经营许可（新办）" in legal
    event = _result_names((await client.get(base, params={"filter.theme.has": "c_establish"})).text)
    assert "个体工商户设立登记" in event and "最低生活保障申请" not in event
    by_dept = _result_names((await client.get(base, params={"filter.department": "scjgj"})).text)
    assert "食品经营许可（新办）" in by_dept and "最低生活保障申请" not in by_dept


async def test_htmx_gets_only_the_results(client: Client) -> None:
    page = await client.get(
        f"/r/{CHENGGUAN}/services", params={"q": "食品"}, headers={"hx-request": "true"}
    )
    assert page.status_code == 200
    assert page.text.lstrip().startswith('<section id="results"')
    assert "<header" not in page.text
    assert "食品经营许可（新办）" in _result_names(page.text)


async def test_item_page_shows_every_public_guide_element(
    client: Client, samples: dict[str, Any]
) -> None:
    item = samples["individual_business"]
    page = await client.get(f"/r/{CHENGGUAN}/services/{item}", headers=HTML)
    assert page.status_code == 200, page.text
    html = page.text
    _landmarks(html)
    for label in (
        "事项名称", "事项类型", "基本编码", "实施编码", "事项状态", "行使层级", "设定依据",
        "实施主体", "服务对象", "办件类型", "受理条件", "申请材料", "办理流程",
        "法定办结时限（工作日）", "承诺办结时限（工作日）", "是否收费", "办理形式",
        "到办事现场次数", "办理地点", "办理时间", "咨询方式", "监督投诉方式", "是否网办",
        "网上办理深度", "通办范围", "审批结果名称", "行政复议", "行政诉讼",
    ):  # fmt: skip
        assert f"<dt>{label}</dt>" in html, label
    assert "个体工商户登记（备案）申请书" in html  # a material row
    assert "<dt>业务表单</dt>" not in html  # not public
    assert f'href="/r/{CHENGGUAN}/services/{item}/apply"' in html
    assert "@media print" in (await client.get("/static/yiwang/portal.css")).text
    offline = await client.get(f"/r/{CHENGGUAN}/services/{samples['offline_service']}")
    assert "/apply" not in offline.text.split("<main", 1)[1]
    # another region's item is not this region's guide
    assert (await client.get(f"/r/620500/services/{item}", headers=HTML)).status_code == 404


async def test_public_lists_filter_search_and_page(client: Client) -> None:
    index = await client.get("/r/620000/open", headers=HTML)
    assert index.status_code == 200
    for key in ("power_item", "responsibility_item", "special_fund"):
        assert f'href="/r/620000/open/{key}"' in index.text
    powers = await client.get("/r/620000/open/power_item", headers=HTML)
    assert powers.status_code == 200, powers.text
    _landmarks(powers.text)
    assert "固定资产投资项目节能审查" in powers.text
    searched = await client.get("/r/620000/open/power_item", params={"q": "行政处罚"})
    rows = re.findall(r"<tr><td>", searched.text)
    assert rows and "固定资产投资项目节能审查" not in searched.text
    filtered = await client.get("/r/620000/open/power_item", params={"filter.task_type": "02"})
    assert "对违反价格法律法规行为的行政处罚" in filtered.text
    assert "企业投资项目核准" not in filtered.text
    funds = await client.get("/r/620000/open/special_fund", params={"limit": "2"})
    assert funds.status_code == 200
    next_link = re.search(r'<a href="([^"]+)" rel="next">', funds.text)
    assert next_link is not None
    second = await client.get(next_link.group(1).replace("&amp;", "&"))
    assert second.status_code == 200
    assert re.findall(r"<tr><td>([^<]+)</td>", second.text) != re.findall(
        r"<tr><td>([^<]+)</td>", funds.text
    )
    assert (await client.get("/r/620000/open/application", headers=HTML)).status_code == 404
