"""A citizen opens 城关区's subsite in a real browser, by path and through the host map."""

from __future__ import annotations

from pathlib import Path

from playwright.async_api import Browser


async def test_chengguan_subsite_in_chromium(
    browser: Browser, server_url: str, tmp_path: Path
) -> None:
    page = await browser.new_page()
    try:
        await page.goto(f"{server_url}/r/620102/")
        assert await page.title() == "城关区 · 政务服务网"
        assert await page.locator("h1").inner_text() == "欢迎访问城关区政务服务网"
        await page.get_by_role("link", name="兰州市").click()
        await page.wait_for_url(f"{server_url}/r/620100/")
        assert "兰州市" in await page.locator("h1").inner_text()
        await page.screenshot(path=str(tmp_path / "subsite.png"))
        assert (tmp_path / "subsite.png").stat().st_size > 1000
    finally:
        await page.close()


async def test_host_mapping_reaches_the_same_page(browser: Browser, server_url: str) -> None:
    """Chromium resolves every *.localhost name to loopback, so the slug host just works."""
    port = server_url.rsplit(":", 1)[1]
    page = await browser.new_page()
    try:
        await page.goto(f"http://chengguan.yiwang.localhost:{port}/")
        assert await page.locator("h1").inner_text() == "欢迎访问城关区政务服务网"
        assert page.url == f"http://chengguan.yiwang.localhost:{port}/"
    finally:
        await page.close()


async def test_unknown_region_shows_chinese_404(browser: Browser, server_url: str) -> None:
    page = await browser.new_page()
    try:
        response = await page.goto(f"{server_url}/r/999999/")
        assert response is not None and response.status == 404
        assert "未找到该地区站点" in await page.content()
    finally:
        await page.close()
