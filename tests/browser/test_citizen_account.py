"""A citizen signs in by SMS code at 城关区 and follows and withdraws their cases, in chromium.

The server writes SMS codes to its development log (`var/sms.log`, or
`YIWANG_SMS_LOG`): the test reads the code from there as the citizen would read
their phone. Cases are opened through the cases API with the browser's own
session, then handled on the pages only. axe runs on every page visited, at
desktop width and at 360 px."""

from __future__ import annotations

import re
import secrets

from playwright.async_api import Browser, BrowserContext, Page, expect

from tests.browser.accessibility import check_page
from tests.browser.citizen_signin import CHENGGUAN, sign_in
from tests.integration.runtime.cases.conftest import FOOD_APPLICATION

MAIJI = "620503"


async def _open_case(context: BrowserContext, server_url: str) -> str:
    """A case submitted through the API with the browser's session (and its CSRF token)."""
    cookies = {c["name"]: c["value"] for c in await context.cookies()}
    resp = await context.request.post(
        f"{server_url}/api/v1/t/{CHENGGUAN}/cases",
        data=FOOD_APPLICATION,
        headers={"x-csrf-token": cookies["yiwang_csrf"]},
    )
    assert resp.status == 201, await resp.text()
    return str((await resp.json())["number"])


async def _withdraw(page: Page, server_url: str, number: str, name: str) -> None:
    await page.goto(f"{server_url}/r/{CHENGGUAN}/my/cases")
    await page.get_by_role("link", name=number).click()
    await page.wait_for_url(f"{server_url}/r/{CHENGGUAN}/my/cases/{number}")
    await expect(page.locator(".timeline")).to_contain_text("提交申请")
    await check_page(page, f"{name}-case")
    await page.get_by_role("link", name="撤回申请").click()
    await check_page(page, f"{name}-withdraw")
    await page.get_by_label("撤回原因（选填）").fill("材料准备不全")
    await page.get_by_role("button", name="确认撤回").click()
    await page.wait_for_url(f"{server_url}/r/{CHENGGUAN}/my/cases/{number}?done=withdrawn")
    await expect(page.get_by_role("status")).to_contain_text("办件已撤回")
    await expect(page.locator(".case-status")).to_have_text("已撤回")
    await expect(page.locator(".timeline")).to_contain_text("申请人撤回")
    await expect(page.locator(".timeline")).to_contain_text("说明：材料准备不全")
    assert await page.get_by_role("link", name="撤回申请").count() == 0
    await check_page(page, f"{name}-withdrawn")


async def test_sign_in_follow_and_withdraw_a_case(browser: Browser, server_url: str) -> None:
    phone = "139" + str(secrets.randbelow(10**8)).zfill(8)
    masked = phone[:3] + "****" + phone[-4:]
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    page = await context.new_page()
    try:
        await sign_in(page, server_url, phone, "citizen")
        await expect(page.locator(".account")).to_contain_text(f"您好，{masked}")
        await check_page(page, "citizen-my-cases-empty")
        first, second = (
            await _open_case(context, server_url),
            await _open_case(context, server_url),
        )
        await page.reload()
        await expect(page.get_by_role("link", name=first)).to_be_visible()
        await expect(page.locator(".colour").first).to_have_text("正常")
        await check_page(page, "citizen-my-cases")
        await _withdraw(page, server_url, first, "citizen")

        # one login across all subsites: 麦积区's header names the same person
        await page.goto(f"{server_url}/r/{MAIJI}/")
        await expect(page.locator(".account")).to_contain_text(f"您好，{masked}")
        await check_page(page, "citizen-maiji-signed-in")

        # at phone width: the same journey for the second case, nothing wider than the screen
        await page.set_viewport_size({"width": 360, "height": 740})
        await _withdraw(page, server_url, second, "citizen-360")
        width = await page.evaluate("document.documentElement.scrollWidth")
        assert width <= 360, width

        # signing out: the header offers 登录 again, 我的办件 asks for sign-in
        await page.get_by_role("button", name="退出").click()
        await page.wait_for_url(f"{server_url}/r/{CHENGGUAN}/")
        await expect(page.locator(".account")).to_contain_text("登录")
        await page.goto(f"{server_url}/r/{CHENGGUAN}/my/cases")
        await page.wait_for_url(re.compile(r"/r/620102/signin\?next="))
    finally:
        await context.close()
