"""The citizen subsite in chromium at 1280 and 360 px: every page type, each checked by
axe-core (serious or critical violations fail) and kept as a screenshot; and a walk
from the home page to an item page by keyboard alone."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Final

import pytest
from playwright.async_api import Browser, Page

from tests.browser.accessibility import check_page

CHENGGUAN: Final = "620102"
WIDTHS: Final = {"desktop": (1280, 900), "phone": (360, 740)}


@pytest.fixture(params=sorted(WIDTHS))
async def page(request: pytest.FixtureRequest, browser: Browser) -> AsyncIterator[Page]:
    width, height = WIDTHS[request.param]
    context = await browser.new_context(viewport={"width": width, "height": height})
    made = await context.new_page()
    made.width_name = request.param  # type: ignore[attr-defined]
    try:
        yield made
    finally:
        await context.close()


def _name(page: Page, what: str) -> str:
    return f"{what}-{page.width_name}"  # type: ignore[attr-defined]


async def _no_horizontal_scroll(page: Page) -> None:
    overflow = await page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, overflow


async def test_home_theme_and_department_browse(page: Page, server_url: str) -> None:
    await page.goto(f"{server_url}/r/{CHENGGUAN}/")
    assert await page.locator("h1").inner_text() == "欢迎访问城关区政务服务网"
    assert await page.locator(".site-title").inner_text() == "甘肃省政务服务网"
    await check_page(page, _name(page, "home"))
    await _no_horizontal_scroll(page)
    await (
        page.get_by_role("navigation", name="主题导航").get_by_role("link", name="行政审批").click()
    )
    await page.wait_for_url("**/services?theme=approval")
    assert "行政审批" in await page.locator("h1").inner_text()
    assert await page.locator("li.result").count() >= 1
    await check_page(page, _name(page, "theme-approval"))
    await _no_horizontal_scroll(page)
    await page.goto(f"{server_url}/r/{CHENGGUAN}/services?filter.department=scjgj")
    names = await page.locator("li.result h3").all_inner_texts()
    assert "食品经营许可（新办）" in names and "最低生活保障申请" not in names
    await check_page(page, _name(page, "department"))


async def test_search_item_page_and_print(page: Page, server_url: str) -> None:
    await page.goto(f"{server_url}/r/{CHENGGUAN}/")
    await page.get_by_label("搜索办事事项").fill("消防")
    await page.get_by_role("button", name="搜索").click()
    await page.wait_for_url("**/services?q=*")
    results = page.locator("li.result")
    assert await results.count() == 1
    assert "办理地：甘肃省" in await results.first.inner_text()
    await check_page(page, _name(page, "search"))
    await results.first.get_by_role("link").click()
    await page.wait_for_selector("article.guide")
    assert await page.locator("h1").inner_text() == "特殊建设工程消防设计审查"
    assert await page.locator("article.guide dt").count() > 40
    await check_page(page, _name(page, "item"))
    await _no_horizontal_scroll(page)
    await page.emulate_media(media="print")
    assert not await page.locator("nav.themes").is_visible()
    assert await page.locator("article.guide h1").is_visible()
    pdf_ready = await page.locator("form.filters").count()
    assert pdf_ready == 0
    await page.emulate_media(media="screen")


async def test_public_list_filters_and_search(page: Page, server_url: str) -> None:
    await page.goto(f"{server_url}/r/620000/open")
    await check_page(page, _name(page, "open"))
    await page.get_by_role("link", name="权力清单").first.click()
    await page.wait_for_url("**/open/power_item")
    rows = page.locator("table.list tbody tr")
    before = await rows.count()
    assert before >= 3
    await check_page(page, _name(page, "power-list"))
    await page.get_by_label("事项类型").select_option("02")
    await page.get_by_role("button", name="筛选").click()
    await page.wait_for_url("**filter.task_type=02**")
    await page.wait_for_function(
        f"document.querySelectorAll('table.list tbody tr').length < {before}"
    )
    texts = await rows.all_inner_texts()
    assert texts and all("行政处罚" in t for t in texts)
    await check_page(page, _name(page, "power-list-filtered"))


@pytest.mark.parametrize(
    ("path", "status", "heading"),
    [
        ("/r/999999/", 404, "页面不存在"),
        (f"/r/{CHENGGUAN}/no-such-page", 404, "页面不存在"),
        (f"/r/{CHENGGUAN}/services/999999999", 404, "页面不存在"),
    ],
)
async def test_error_pages_in_the_layout(
    page: Page, server_url: str, path: str, status: int, heading: str
) -> None:
    response = await page.goto(f"{server_url}{path}")
    assert response is not None and response.status == status
    assert await page.locator("h1").inner_text() == heading
    assert await page.locator("header.site-header").count() == 1
    await check_page(page, _name(page, f"error-{status}-{path.strip('/').replace('/', '_')}"))


async def test_display_toggles_work_without_javascript(browser: Browser, server_url: str) -> None:
    context = await browser.new_context(
        java_script_enabled=False, viewport={"width": 360, "height": 740}
    )
    page = await context.new_page()
    page.width_name = "phone-nojs"  # type: ignore[attr-defined]
    try:
        await page.goto(f"{server_url}/r/{CHENGGUAN}/services?q=食品")
        await page.get_by_role("link", name="大字模式").click()
        await page.wait_for_url("**/services?q=*")
        assert "text-large" in (await page.locator("html").get_attribute("class") or "")
        await page.get_by_role("link", name="简洁阅读").click()
        assert await page.locator("html").get_attribute("class") == "text-large mode-plain"
        assert await page.locator("li.result").count() >= 1  # the search survived both trips
        await page.get_by_role("link", name="标准字号").click()
        assert await page.locator("html").get_attribute("class") == "mode-plain"
    finally:
        await context.close()


async def test_keyboard_only_from_home_to_an_item(browser: Browser, server_url: str) -> None:
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    page = await context.new_page()
    try:
        await page.goto(f"{server_url}/r/{CHENGGUAN}/")
        await page.keyboard.press("Tab")
        focused = await page.evaluate("document.activeElement.textContent")
        assert focused == "跳到主要内容"  # the first stop is the skip link
        outline = await page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
        assert outline != "none"  # focus is visible
        await page.keyboard.press("Enter")
        assert await page.evaluate("document.activeElement.id") == "main"
        # Tab on from the main landmark to the search box, type, submit with Enter
        for _ in range(20):
            await page.keyboard.press("Tab")
            if await page.evaluate("document.activeElement.id") == "q":
                break
        assert await page.evaluate("document.activeElement.id") == "q"
        await page.keyboard.type("食品经营")
        await page.keyboard.press("Enter")
        await page.wait_for_url("**/services?q=*")
        for _ in range(40):
            await page.keyboard.press("Tab")
            text = await page.evaluate("document.activeElement.textContent")
            if text == "食品经营许可（新办）":
                break
        assert await page.evaluate("document.activeElement.textContent") == "食品经营许可（新办）"
        await page.keyboard.press("Enter")
        await page.wait_for_selector("article.guide")
        assert await page.locator("h1").inner_text() == "食品经营许可（新办）"
        await check_page(page, "keyboard-item")
    finally:
        await context.close()
