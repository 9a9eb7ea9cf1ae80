"""The provincial admin pages in chromium: the province admin signs in, onboards a small
division file and watches its job reach the end, suspends and resumes a county, and grants
a role; the person granted 审计员 opens the audit trail and verifies it. axe runs on every
page visited, with a screenshot of each.

The onboarding job runs in a `yiwang worker` started beside the session's server (which
enqueues on the default SAQ queue, as `make run` does). Accounts are made the way people
get them (`tests.integration.staff`); the tenants touched are put back afterwards."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from playwright.async_api import Browser, BrowserContext, Page, expect

from tests.browser.accessibility import check_page
from tests.integration.conftest import installed, services, tree  # noqa: F401  (fixtures)
from tests.integration.stack import Stack
from tests.integration.staff import PASSWORD, make_staff, totp_code

PROVINCE, LANZHOU, GAOLAN, ZONE = "620000", "620100", "620122", "620172"
DIVISIONS = f"code,name,level,parent_code\n{ZONE},兰州高新技术产业开发区,zone,{LANZHOU}\n"


def _admin(code: str, *tail: str) -> str:
    return "/".join([f"/console/t/{code}/admin", *tail])


@pytest.fixture
def tag(admin_sql: psycopg.Connection) -> Iterator[str]:
    """This test's accounts go afterwards; the zone it onboards and the county it suspends
    are put back as they were."""

    def put_back() -> None:
        admin_sql.execute(
            "DELETE FROM departments WHERE tenant_id IN (SELECT id FROM tenants WHERE code = %s)",
            (ZONE,),
        )
        admin_sql.execute("DELETE FROM tenants WHERE code = %s", (ZONE,))
        admin_sql.execute("UPDATE tenants SET status = 'active' WHERE code = %s", (GAOLAN,))
        admin_sql.execute("UPDATE registry_state SET version = version + 1 WHERE id = 1")

    put_back()
    made = uuid.uuid4().hex[:8]
    yield made
    put_back()
    ids = [
        r[0]
        for r in admin_sql.execute(
            "SELECT id FROM accounts WHERE login LIKE %s", (f"%{made}%",)
        ).fetchall()
    ]
    admin_sql.execute("DELETE FROM casbin_rule WHERE v0 = ANY(%s)", ([f"user:{i}" for i in ids],))
    admin_sql.execute("DELETE FROM account_activations WHERE account_id = ANY(%s)", (ids,))
    admin_sql.execute("DELETE FROM accounts WHERE id = ANY(%s)", (ids,))


@pytest.fixture
def worker(server_url: str) -> Iterator[None]:
    """A `yiwang worker` on the server's queue, stopped after the test."""
    log = Path(os.environ.get("TMPDIR", "/tmp")) / f"yiwang-admin-worker-{os.getpid()}.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "yiwang.cli", "worker"],
            env=dict(os.environ),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        # no wait for the worker's first sweep: the queue's GraceSweepQueue spares a job
        # the sweep meets dequeued but not yet marked active (an upload while it starts)
        try:
            yield
        finally:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


async def _sign_in(
    context: BrowserContext, server_url: str, path: str, login: str, secret: str
) -> Page:
    """Open `path` signed out, sign in through the console's form, land on `path` (once the
    server's policy holds the person's grant: its workers poll the version)."""
    page = await context.new_page()
    await page.goto(f"{server_url}{path}")
    await page.wait_for_url(re.compile(r"/console/signin\?next="))
    await page.get_by_label("账号", exact=True).fill(login)
    await page.get_by_label("口令", exact=True).fill(PASSWORD)
    await page.get_by_label("动态验证码", exact=True).fill(totp_code(secret))
    await page.get_by_role("button", name="登录").click()
    await page.wait_for_url(f"{server_url}{path}")
    for _ in range(100):
        if await page.locator("h1#error-title").count() == 0:
            return page
        await page.wait_for_timeout(100)
        await page.reload()
    raise AssertionError(f"{path} stayed refused")


async def _onboard(page: Page, server_url: str, tmp: Path) -> None:
    await page.get_by_role("link", name="开通地区").click()
    await page.wait_for_url(f"{server_url}{_admin(PROVINCE, 'onboarding')}")
    await check_page(page, "admin-onboarding")
    file = tmp / "zone.csv"
    file.write_text(DIVISIONS, encoding="utf-8")
    await page.get_by_label("区划文件").set_input_files(str(file))
    await page.get_by_role("button", name="开始开通").click()
    await page.wait_for_url(re.compile(r"/admin/onboarding/jobs/onboard_divisions:"))
    # htmx reloads the progress while the job runs; the page ends with the result
    progress = page.locator("#progress")
    # bounded by the worker's start on a loaded machine too (the fixture does not wait for it)
    await expect(progress).to_have_attribute("data-state", "complete", timeout=120_000)
    await expect(progress).to_contain_text("已处理 1 / 1 个地区")
    await expect(progress).to_contain_text("新建 1 个地区")
    await check_page(page, "admin-onboarding-done")


async def _lifecycle(page: Page, server_url: str, action: str, verb: str, status: str) -> None:
    await page.goto(f"{server_url}{_admin(PROVINCE, 'tenants')}")
    await page.get_by_role("link", name=f"{verb}皋兰县").click()
    await page.wait_for_url(re.compile(rf"/console/t/{GAOLAN}/admin/lifecycle/{action}"))
    await check_page(page, f"admin-{action}-confirm")
    await page.get_by_label("原因").fill("浏览器测试")
    await page.get_by_label(f"我确认要{verb}皋兰县").check()
    await page.get_by_role("button", name=f"确认{verb}").click()
    await page.wait_for_url(re.compile(rf"{_admin(PROVINCE, 'tenants')}\?done={action}"))
    await expect(page.locator("#done")).to_have_text(f"已{verb}皋兰县。")
    await expect(page.locator(f"#tenant-{GAOLAN}")).to_contain_text(status)
    await check_page(page, f"admin-{action}-done")


async def test_the_province_admin_in_the_console(
    browser: Browser,
    server_url: str,
    services: Stack,  # noqa: F811
    worker: None,
    tag: str,
    tmp_path: Path,
) -> None:
    admin = f"padmin.{tag}"
    admin_secret = await make_staff(services, admin, PROVINCE, [("province_admin", PROVINCE, True)])
    auditor = f"auditor.{tag}"
    auditor_secret = await make_staff(services, auditor, PROVINCE, [])

    context = await browser.new_context(locale="zh-CN")
    try:
        page = await _sign_in(context, server_url, _admin(PROVINCE, "tenants"), admin, admin_secret)
        await expect(page.get_by_role("link", name="管理", exact=True)).to_have_attribute(
            "aria-current", "page"
        )
        await check_page(page, "admin-tenants")
        await _onboard(page, server_url, tmp_path)
        await _lifecycle(page, server_url, "suspend", "暂停", "暂停")
        await _lifecycle(page, server_url, "resume", "恢复", "正常")

        await page.get_by_role("link", name="角色授权").click()
        await page.get_by_label("账号", exact=True).fill(auditor)
        await page.get_by_label("角色", exact=True).select_option("auditor")
        await page.get_by_role("button", name="授予").click()
        await expect(page.locator("#done")).to_have_text(f"已授予 {auditor} 审计员。")
        await expect(page.locator("#grants")).to_contain_text(auditor)
        await check_page(page, "admin-roles")
    finally:
        await context.close()

    # the audit trail is the auditor's (三员分立): the person just granted opens it
    context = await browser.new_context(locale="zh-CN")
    try:
        page = await _sign_in(
            context, server_url, _admin(PROVINCE, "audit"), auditor, auditor_secret
        )
        await expect(page.locator("#audit")).to_contain_text("role.grant")
        await check_page(page, "admin-audit")
        await page.get_by_role("button", name="校验审计链").click()
        await expect(page.locator("#verdict")).to_contain_text("审计链完整")
        await check_page(page, "admin-audit-verify")
    finally:
        await context.close()
