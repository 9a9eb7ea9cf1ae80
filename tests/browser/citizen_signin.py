"""Signing a citizen in by SMS code at 城关区 in chromium, for the citizen journeys.

The server writes SMS codes to its development log (`var/sms.log`, or
`YIWANG_SMS_LOG`): the test reads the code from there as the citizen would read
their phone."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.async_api import Page, expect

from tests.browser.accessibility import check_page
from yiwang.platform.message_log import read_messages
from yiwang.platform.settings import Settings
from yiwang.policy.identity.settings import IdentitySettings

CHENGGUAN = "620102"


def sms_log() -> Path:
    """Where the server (same environment, same working directory) writes its codes."""
    return IdentitySettings.from_env(Settings.from_env()).sms_log


def code_for(phone: str) -> str:
    for message in reversed(read_messages(sms_log())):
        if message["phone"] == phone:
            found = re.search(r"验证码为 (\d{6})", message["text"])
            assert found is not None, message
            return found.group(1)
    raise AssertionError(f"no SMS to {phone}")


async def sign_in(page: Page, server_url: str, phone: str, name: str) -> None:
    await page.goto(f"{server_url}/r/{CHENGGUAN}/my/cases")
    # signed out: 我的办件 sends the browser to sign in, and back afterwards
    await page.wait_for_url(re.compile(r"/r/620102/signin\?next="))
    await check_page(page, f"{name}-signin")
    await page.get_by_label("手机号码", exact=True).fill(phone)
    await page.get_by_role("button", name="获取验证码").click()
    await expect(page.get_by_role("status")).to_contain_text("验证码已发送")
    assert await page.get_by_label("手机号码", exact=True).input_value() == phone  # kept
    await check_page(page, f"{name}-code-sent")
    await page.get_by_label("短信验证码", exact=True).fill(code_for(phone))
    await page.get_by_role("button", name="验证码登录").click()
    await page.wait_for_url(f"{server_url}/r/{CHENGGUAN}/my/cases")
