"""The API reference at /schema: served from the package, so it renders with no network
at all, under the CSP, and references nothing outside this origin."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import httpx
from playwright.async_api import Browser, ConsoleMessage, Request, Route

LOOPBACK = ("127.0.0.1", "localhost", "[::1]")
ATTRIBUTES = re.compile(r"""\b(?:src|href)\s*=\s*["']([^"']+)["']""", re.I)
CSS_URLS = re.compile(r"""url\(\s*["']?([^"')]+)""")


def _is_loopback(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    return host in LOOPBACK or host.endswith(".localhost")


async def test_schema_pages_reference_no_external_url(server_url: str) -> None:
    async with httpx.AsyncClient(base_url=server_url) as client:
        for page in ("/schema", "/schema/swagger"):
            resp = await client.get(page)
            assert resp.status_code == 200, page
            references = ATTRIBUTES.findall(resp.text)
            assert len(references) >= 4, references
            for ref in references:
                absolute = urljoin(f"{server_url}{page}", ref)
                assert absolute.startswith(server_url), (page, ref)
                asset = await client.get(absolute)
                assert asset.status_code == 200, ref
                if ref.split("?")[0].endswith(".css"):
                    for url in CSS_URLS.findall(asset.text):
                        assert url.startswith("data:") or not urlsplit(url).scheme, (ref, url[:60])
        description = await client.get("/schema/openapi.json")
    assert "servers" not in description.json() or all(
        not urlsplit(s["url"]).netloc for s in description.json()["servers"]
    )


async def test_schema_renders_in_chromium_without_network(
    browser: Browser, server_url: str, tmp_path: Path
) -> None:
    context = await browser.new_context()
    blocked: list[str] = []
    problems: list[str] = []

    async def only_loopback(route: Route, request: Request) -> None:
        if _is_loopback(request.url) or request.url.startswith("data:"):
            await route.continue_()
        else:
            blocked.append(request.url)
            await route.abort()

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error" or "Content Security Policy" in message.text:
            problems.append(message.text)

    await context.route("**/*", only_loopback)
    page = await context.new_page()
    page.on("console", on_console)
    try:
        response = await page.goto(f"{server_url}/schema")
        assert response is not None and response.status == 200
        assert "script-src 'self'" in (await response.all_headers())["content-security-policy"]
        title = page.locator(".information-container .title")
        await title.wait_for(timeout=15_000)
        assert "一网 Yiwang API" in await title.inner_text()
        await page.locator(".opblock-tag", has_text="identity").first.wait_for()
        await page.screenshot(path=str(tmp_path / "schema.png"), full_page=False)
        assert (tmp_path / "schema.png").stat().st_size > 5000
    finally:
        await context.close()
    assert blocked == []
    assert problems == []
