"""The server-rendered citizen form in chromium with JavaScript switched off."""

from __future__ import annotations

from playwright.async_api import Browser


async def test_form_page_works_without_javascript(browser: Browser, server_url: str) -> None:
    context = await browser.new_context(java_script_enabled=False)
    page = await context.new_page()
    try:
        await page.goto(f"{server_url}/r/620102/forms/subsistence_allowance/apply")
        assert await page.locator("h1").inner_text() == "最低生活保障申请"
        await page.get_by_label("申请人姓名").fill("王五")
        await page.get_by_label("联系电话").fill("1234")
        await page.get_by_label("家庭月总收入").fill("800.5")
        await page.get_by_role("button", name="添加一行").click()
        assert await page.locator("#f-members-1-member_name").count() == 1
        assert await page.get_by_label("申请人姓名").input_value() == "王五"
        await page.get_by_role("button", name="提交").click()
        error = page.locator("#f-applicant_phone-error")
        assert "应为 11 位手机号码" in await error.inner_text()
        described = await page.get_by_label("联系电话").get_attribute("aria-describedby")
        assert described is not None and "f-applicant_phone-error" in described
        assert await page.get_by_label("联系电话").input_value() == "1234"
        assert await page.get_by_label("家庭月总收入").input_value() == "800.5"
        summary = page.locator("#error-summary")
        assert "请修改以下问题" in await summary.inner_text()
    finally:
        await context.close()


async def test_a_valid_evaluation_is_confirmed(browser: Browser, server_url: str) -> None:
    context = await browser.new_context(java_script_enabled=False)
    page = await context.new_page()
    try:
        await page.goto(f"{server_url}/r/620102/forms/evaluation/rate")
        await page.get_by_label("满意", exact=True).check()
        await page.get_by_role("button", name="提交").click()
        assert await page.locator("#confirmation h2").inner_text() == "校验通过"
    finally:
        await context.close()
