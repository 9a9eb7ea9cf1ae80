"""The staff of the application journey, and their console in chromium.

Accounts are made the way `tests/integration/staff.py` makes them (created by an
administrator, activated with the person's own password and TOTP secret, then granted
a role), through the platform's services in this process: a command-line process per
account costs seconds each on a loaded machine. Each person then signs in once through
the console's page, in a browser context of their own kept for every case they handle;
each step of a case is done on the case page through the form the route offers
(`act`), or, where a journey has already walked those pages, through the JSON API the
same services answer, with the same signed-in session (`act_by_api`)."""

from __future__ import annotations

import asyncio
import re
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from playwright.async_api import Browser, BrowserContext, Page, expect
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.browser.accessibility import check_page
from tests.integration.stack import Stack
from tests.integration.staff import PASSWORD, make_staff, totp_code
from yiwang.platform.cache import Cache
from yiwang.platform.settings import Settings
from yiwang.policy.dependencies import build_policy
from yiwang.policy.identity.dependencies import build_identity
from yiwang.policy.identity.passwords import HashingParameters, PasswordHashing
from yiwang.policy.identity.settings import IdentitySettings
from yiwang.policy.identity.sms import DevelopmentSmsGateway
from yiwang.tenants.directory import TenantDirectory

CHENGGUAN = "620102"
INBOX = f"/console/t/{CHENGGUAN}/inbox"
API = f"/api/v1/t/{CHENGGUAN}"
#: inbox pages a person looks through for one case before giving up
INBOX_PAGES = 20
#: the console's sign-in page was checked with axe this run (its server's address)
_SIGNIN_CHECKED: list[str] = []


@asynccontextmanager
async def staff_services(
    settings: Settings, sessions: async_sessionmaker[AsyncSession]
) -> AsyncIterator[Stack]:
    """The identity and policy services as the integration tests wire them."""
    cache = Cache(settings.redis_url)
    directory = TenantDirectory(sessions, cache)
    await directory.load()
    policy = build_policy(settings, sessions, cache, poll_seconds=0.2)
    identity = build_identity(
        settings,
        cache,
        sessions,
        is_admin=policy.is_admin,
        sms_gateway=DevelopmentSmsGateway(IdentitySettings.from_env(settings).sms_log),
        hashing=PasswordHashing(HashingParameters.for_tests()),
    )
    await policy.sync.start()
    try:
        yield Stack(sessions, cache, directory, policy, identity)
    finally:
        await asyncio.wait_for(policy.sync.stop(), 10)
        await asyncio.wait_for(cache.close(), 10)


class ActionRefused(AssertionError):
    """The case page answered an action with its refusal instead of doing it."""

    def __init__(self, task: str, message: str) -> None:
        super().__init__(f"{task}: {message}")
        self.task = task
        self.message = message


@dataclass
class Staff:
    """One person of 城关区, signed in to the console in `context`."""

    who: str
    login: str
    secret: str
    context: BrowserContext
    page: Page


async def enrol(
    services: Stack, browser: Browser, server_url: str, who: str, role: str, department: str
) -> Staff:
    """A staff member of 城关区 holding `role` in `department`, signed in through the
    console's page; `who` names the screenshots of their pages."""
    login = f"{who}.{secrets.token_hex(4)}"
    secret = await make_staff(
        services, login, CHENGGUAN, [(role, CHENGGUAN, False)], department=department
    )
    context = await browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = await context.new_page()
    await page.goto(f"{server_url}{INBOX}")
    await page.wait_for_url(re.compile(r"/console/signin\?next="))
    if not _SIGNIN_CHECKED:
        # the same page for every person (a CSRF token apart): axe once, not six times
        await check_page(page, "journey-staff-signin")
        _SIGNIN_CHECKED.append(server_url)
    await page.get_by_label("账号", exact=True).fill(login)
    await page.get_by_label("口令", exact=True).fill(PASSWORD)
    await page.get_by_label("动态验证码", exact=True).fill(totp_code(secret))
    await page.get_by_role("button", name="登录").click()
    await page.wait_for_url(f"{server_url}{INBOX}")
    return Staff(who, login, secret, context, page)


async def open_case(staff: Staff, server_url: str, number: str, task: str, name: str) -> None:
    """From the inbox (page by page, as a person would look) to the case page, which names
    the task the person is to do as its current step.

    The inbox row is not checked for the task: it labels a step by its key across all of
    the tenant's routes, first wins (`console.inbox.step_labels`), so 窗口受理 shows as
    受理; and its 事项 column shows the service item's record id."""
    page = staff.page
    await page.goto(f"{server_url}{INBOX}")
    # every person's inbox is one page, other rows in it: axe once per module
    await check_page(page, f"{name}-inbox", state="staff-inbox")
    for _ in range(INBOX_PAGES):
        link = page.get_by_role("link", name=number, exact=True)
        if await link.count():
            break
        following = page.get_by_role("navigation", name="分页").get_by_role("link", name="下一页")
        assert await following.count(), f"case {number} is not in {staff.who}'s inbox"
        await following.click()
    await page.get_by_role("link", name=number, exact=True).click()
    await page.wait_for_url(f"{server_url}/console/t/{CHENGGUAN}/cases/{number}")
    await expect(page.locator("dl.facts")).to_contain_text(task)
    await check_page(page, f"{name}-case")


async def act(
    staff: Staff,
    server_url: str,
    number: str,
    *,
    task: str,
    action: str,
    fields: dict[str, str],
    flash: str,
    name: str,
    outcome: str | None = None,
) -> None:
    """Open the case from the inbox and post the form the route offers for `action` on the
    task labelled `task`: `fields` by their labels; the page then says `flash`."""
    await open_case(staff, server_url, number, task, name)
    page = staff.page
    chosen = page.locator("form.action").filter(
        has=page.locator(f'input[name="action"][value="{action}"]')
    )
    if outcome is not None:
        chosen = chosen.filter(has=page.locator(f'input[name="outcome"][value="{outcome}"]'))
    await expect(chosen).to_have_count(1)
    await expect(chosen.locator("h3")).to_contain_text(f"环节：{task}")
    for label, value in fields.items():
        await chosen.get_by_label(label, exact=True).fill(value)
    async with page.expect_navigation():
        await chosen.get_by_role("button").click()
    refused = page.locator("#action-error")
    if await refused.count():
        raise ActionRefused(task, await refused.inner_text())
    assert page.url.endswith(f"/console/t/{CHENGGUAN}/cases/{number}?done={action}"), page.url
    await expect(page.get_by_role("status")).to_contain_text(flash)
    await check_page(page, f"{name}-done")


async def leaves_inbox(staff: Staff, server_url: str, number: str) -> None:
    page = staff.page
    await page.goto(f"{server_url}{INBOX}")
    await expect(page.get_by_role("link", name=number, exact=True)).to_have_count(0)


async def _api_tasks(staff: Staff, server_url: str, number: str) -> list[dict[str, Any]]:
    """The person's open tasks of case `number`, from their inbox's JSON route."""
    answer = await staff.context.request.get(f"{server_url}{API}/inbox?limit=500")
    assert answer.status == 200, await answer.text()
    return [item for item in await answer.json() if item["number"] == number]


async def act_by_api(
    staff: Staff, server_url: str, number: str, body: dict[str, Any], *, step_task: bool
) -> dict[str, Any]:
    """The step `act` does on the case page, through `POST .../cases/{number}/actions` with
    the person's console session (cookie and CSRF token, as the page's own scripts send):
    the task is the one the person's inbox lists for the case; `step_task` says whether
    the action names it (accepting and 补正 act on the case's acceptance itself)."""
    tasks = await _api_tasks(staff, server_url, number)
    assert tasks, f"case {number} is not in {staff.who}'s inbox"
    if step_task:
        body = {**body, "task": tasks[0]["task"]}
    cookies = {c["name"]: c["value"] for c in await staff.context.cookies(server_url)}
    answer = await staff.context.request.post(
        f"{server_url}{API}/cases/{number}/actions",
        data=body,
        headers={"x-csrf-token": cookies.get("yiwang_csrf", "")},
    )
    if answer.status != 200:
        error = (await answer.json()).get("error", {})
        raise ActionRefused(str(body["action"]), f"{error.get('code')}: {error.get('message')}")
    result: dict[str, Any] = await answer.json()
    return result


async def leaves_inbox_by_api(staff: Staff, server_url: str, number: str) -> None:
    assert await _api_tasks(staff, server_url, number) == [], staff.who
