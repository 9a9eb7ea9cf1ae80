"""A window clerk signs in to the console, opens the inbox, accepts a case a citizen
submitted through the API and sees it leave the inbox, in chromium; at 360 px too, and
the action form by keyboard alone. axe runs on every page visited.

The clerk's account is made the way people get one: created and granted through the
services the command line calls (in this process), activated through the API with the
clerk's own password and authenticator."""

from __future__ import annotations

import re
import secrets
from pathlib import Path

from playwright.async_api import APIRequestContext, Browser, Page, expect

from tests.browser.accessibility import check_page
from tests.integration.stack import Stack
from tests.integration.staff import PASSWORD, create_staff, secret_of, totp_code
from yiwang.platform.message_log import read_messages
from yiwang.platform.settings import Settings
from yiwang.policy.identity.settings import IdentitySettings

CHENGGUAN = "620102"
INBOX = f"/console/t/{CHENGGUAN}/inbox"
APPLICATION = {
    "service_item": "SI-0001",
    "form": "application",
    "route": "standard",
    "implementing_department": "scjgj",
    "data": {"contact_phone": "13800000000"},
}


async def _clerk(
    services: Stack, request: APIRequestContext, server_url: str, role: str = "window_clerk"
) -> tuple[str, str]:
    """A member of 城关区's market regulator holding `role` (a window clerk unless asked),
    activated: their login and TOTP secret."""
    login = f"clerk.{secrets.token_hex(4)}"
    created = await create_staff(services, login, CHENGGUAN, department="scjgj")
    await services.admin(
        "grant", login=login, role=role, tenant_code=CHENGGUAN, subtree=False, granter=None
    )
    code = str(created["activation_code"])
    started = await request.post(
        f"{server_url}/api/v1/auth/activation",
        data={"login": login, "code": code, "password": PASSWORD},
    )
    assert started.status == 200, await started.text()
    secret = secret_of(str((await started.json())["totp_uri"]))
    confirmed = await request.post(
        f"{server_url}/api/v1/auth/activation/confirm",
        data={"login": login, "code": code, "password": PASSWORD, "totp": totp_code(secret)},
    )
    assert confirmed.status == 200, await confirmed.text()
    return login, secret


def _sms_code(phone: str) -> str:
    log: Path = IdentitySettings.from_env(Settings.from_env()).sms_log
    for message in reversed(read_messages(log)):
        if message["phone"] == phone:
            found = re.search(r"验证码为 (\d{6})", message["text"])
            assert found is not None, message
            return found.group(1)
    raise AssertionError(f"no SMS to {phone}")


async def _citizen_case(request: APIRequestContext, server_url: str) -> str:
    """A case a citizen submits through the API (signed in by SMS, a bearer token)."""
    phone = "139" + str(secrets.randbelow(10**8)).zfill(8)
    sent = await request.post(f"{server_url}/api/v1/auth/sms/code", data={"phone": phone})
    assert sent.status == 202, await sent.text()
    signed = await request.post(
        f"{server_url}/api/v1/auth/sms/login", data={"phone": phone, "code": _sms_code(phone)}
    )
    assert signed.status == 200, await signed.text()
    token = (await signed.json())["token"]
    opened = await request.post(
        f"{server_url}/api/v1/t/{CHENGGUAN}/cases",
        data=APPLICATION,
        headers={"authorization": f"Bearer {token}"},
    )
    assert opened.status == 201, await opened.text()
    return str((await opened.json())["number"])


async def _sign_in(
    page: Page, server_url: str, login: str, secret: str, name: str, start: str = INBOX
) -> None:
    await page.goto(f"{server_url}{start}")
    # signed out: the page (the inbox unless asked) sends the browser to sign in, and back
    await page.wait_for_url(re.compile(r"/console/signin\?next="))
    await check_page(page, f"{name}-signin")
    await page.get_by_label("账号", exact=True).fill(login)
    await page.get_by_label("口令", exact=True).fill(PASSWORD)
    await page.get_by_label("动态验证码", exact=True).fill(totp_code(secret))
    await page.get_by_role("button", name="登录").click()
    await page.wait_for_url(f"{server_url}{start}")


async def _accept_by_keyboard(page: Page, server_url: str, number: str, name: str) -> None:
    """Open the case from the inbox and accept it with the keyboard alone."""
    await page.get_by_role("link", name=number).click()
    await page.wait_for_url(f"{server_url}/console/t/{CHENGGUAN}/cases/{number}")
    await expect(page.locator(".timeline")).to_contain_text("提交申请")
    await check_page(page, f"{name}-case")
    accept = page.locator("form.action", has=page.locator('input[name="action"][value="accept"]'))
    comment = accept.get_by_label("办理意见")
    await page.locator("body").focus()
    for _ in range(80):  # Tab through the page to the acceptance comment
        await page.keyboard.press("Tab")
        if await comment.evaluate("el => el === document.activeElement"):
            break
    else:
        raise AssertionError("the acceptance comment cannot be reached by Tab")
    await page.keyboard.type("材料齐全，予以受理")
    await page.keyboard.press("Tab")
    assert await accept.get_by_role("button").evaluate("el => el === document.activeElement")
    await page.keyboard.press("Enter")
    await page.wait_for_url(f"{server_url}/console/t/{CHENGGUAN}/cases/{number}?done=accept")
    await expect(page.get_by_role("status")).to_contain_text("已受理")
    await expect(page.locator(".timeline")).to_contain_text("材料齐全，予以受理")
    await check_page(page, f"{name}-accepted")


async def test_a_clerk_accepts_a_case_and_it_leaves_the_inbox(
    browser: Browser, server_url: str, staff_stack: Stack
) -> None:
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    page = await context.new_page()
    try:
        # the API calls run in a context of their own: its cookies are not the clerk's browser's
        api = await browser.new_context()
        login, secret = await _clerk(staff_stack, api.request, server_url)
        await api.clear_cookies()
        first = await _citizen_case(api.request, server_url)
        await api.clear_cookies()
        second = await _citizen_case(api.request, server_url)
        await api.close()
        await _sign_in(page, server_url, login, secret, "console")
        await expect(page.get_by_role("link", name=first)).to_be_visible()
        row = page.locator("tr", has=page.get_by_role("link", name=first))
        await expect(row.locator(".colour")).to_have_text(re.compile("正常|黄灯预警|红灯超期"))
        await check_page(page, "console-inbox")
        await _accept_by_keyboard(page, server_url, first, "console")
        await page.get_by_role("link", name="返回待办").click()
        await page.wait_for_url(f"{server_url}{INBOX}")
        await expect(page.get_by_role("link", name=first)).to_have_count(0)
        await expect(page.get_by_role("link", name=second)).to_be_visible()

        # the console's entry page lists the clerk's tenant
        await page.goto(f"{server_url}/console/")
        await expect(page.get_by_role("link", name="城关区")).to_be_visible()
        await check_page(page, "console-home")

        # at phone width: the same for the second case, nothing wider than the screen
        await page.set_viewport_size({"width": 360, "height": 740})
        await page.goto(f"{server_url}{INBOX}")
        await check_page(page, "console-360-inbox")
        await _accept_by_keyboard(page, server_url, second, "console-360")
        width = await page.evaluate("document.documentElement.scrollWidth")
        wide = await page.evaluate(
            """() => [...document.querySelectorAll("body *")]
            .filter(e => e.getBoundingClientRect().right > 360.5)
            .slice(0, 5).map(e => e.tagName + "." + e.className)"""
        )
        assert width <= 360, (width, wide)
        await page.goto(f"{server_url}{INBOX}")
        await expect(page.get_by_role("link", name=second)).to_have_count(0)
        width = await page.evaluate("document.documentElement.scrollWidth")
        assert width <= 360, width

        # signing out ends the session: the inbox asks for sign-in again
        await page.get_by_role("button", name="退出").click()
        await page.wait_for_url(re.compile(r"/console/signin\?done=signed_out"))
        await expect(page.get_by_role("status")).to_contain_text("您已退出登录")
        await page.goto(f"{server_url}{INBOX}")
        await page.wait_for_url(re.compile(r"/console/signin\?next="))
    finally:
        await context.close()
