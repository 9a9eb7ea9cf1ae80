"""A department operator maintains 城关区's power list in chromium: imports a small sheet
and watches its progress to the end, edits one of the records through the staff form,
and exports the list. axe runs on every page visited.

The jobs run in a `yiwang worker` the test starts beside the server, as `make run` does."""

from __future__ import annotations

import asyncio
import os
import re
import secrets
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, expect

from tests.browser.accessibility import check_page
from tests.browser.test_console import CHENGGUAN, _clerk, _sign_in
from tests.integration.runtime.console.test_list_pages import power_item, workbook
from tests.integration.stack import Stack

POWER = f"/console/t/{CHENGGUAN}/lists/power_item"


@pytest.fixture
def worker(server_url: str) -> Iterator[None]:
    """A job worker on the server's queue, for the length of the test."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "yiwang.cli", "worker"],
        env=dict(os.environ),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    yield
    proc.terminate()
    proc.wait(timeout=20)


async def test_an_operator_imports_edits_and_exports_the_power_list(
    browser: Browser, server_url: str, worker: None, staff_stack: Stack
) -> None:
    tag = secrets.token_hex(4)
    api = await browser.new_context()
    login, secret = await _clerk(staff_stack, api.request, server_url, role="dept_operator")
    await api.close()
    context = await browser.new_context(
        viewport={"width": 1280, "height": 900}, accept_downloads=True
    )
    page = await context.new_page()
    try:
        # an operator handles no cases: the lists are where the console starts for them
        await _sign_in(page, server_url, login, secret, "lists", f"/console/t/{CHENGGUAN}/lists")
        await expect(page.get_by_role("link", name="清单", exact=True)).to_have_attribute(
            "aria-current", "page"
        )
        await check_page(page, "lists-types")
        await page.get_by_role("link", name="行政权力事项").click()
        await page.wait_for_url(f"{server_url}{POWER}")
        await check_page(page, "lists-power")

        # import a sheet of two items and watch the job to its end
        await page.get_by_role("link", name="从电子表格导入").click()
        await check_page(page, "lists-import")
        sheet = workbook([power_item(tag, 1), power_item(tag, 2)])
        await page.get_by_label("电子表格文件").set_input_files(
            {"name": "权力清单.xlsx", "mimeType": "application/octet-stream", "buffer": sheet}
        )
        await page.get_by_role("button", name="上传并导入").click()
        await page.wait_for_url(re.compile(r"/imports/[0-9a-f]{32}$"))
        await expect(page.locator("#job-result")).to_have_text(
            "导入完成：共新增 2 条。", timeout=60_000
        )
        await check_page(page, "lists-import-done")

        # edit one of them through the staff form
        await page.get_by_role("link", name="返回行政权力事项列表").click()
        await page.get_by_label("搜索", exact=True).fill(f"测试许可{tag}-1")
        await page.get_by_role("button", name="筛选", exact=True).click()
        rows = page.locator("table.list tbody tr")
        await expect(rows).to_have_count(1)
        await rows.first.get_by_role("link").click()
        await check_page(page, "lists-record")
        await page.get_by_role("link", name="修改此条目").click()
        await check_page(page, "lists-edit")
        await page.get_by_label("事项名称").fill(f"测试许可{tag}-1（修订）")
        await page.get_by_role("button", name="提交", exact=True).click()
        await expect(page.get_by_role("status")).to_have_text("已保存修改。")
        await expect(page.locator(".record-values")).to_contain_text(f"测试许可{tag}-1（修订）")

        # export what the search finds: the progress page, then the file
        await page.get_by_role("link", name="返回行政权力事项列表").click()
        await page.get_by_label("搜索", exact=True).fill(f"测试许可{tag}")
        await page.get_by_role("button", name="筛选", exact=True).click()
        await expect(page.locator("table.list tbody tr")).to_have_count(2)
        await page.get_by_role("button", name="开始导出").click()
        await page.wait_for_url(re.compile(r"/exports/[0-9a-f]{32}$"))
        link = page.get_by_role("link", name="下载文件")
        await expect(link).to_be_visible(timeout=60_000)
        await expect(page.locator("#job-result")).to_have_text("导出完成：共 2 条。")
        await check_page(page, "lists-export-done")
        async with page.expect_download() as info:
            await link.click()
        download = await info.value
        saved = await asyncio.to_thread(Path(await download.path()).read_bytes)
        assert saved.startswith(b"PK")  # an XLSX is a zip
    finally:
        await context.close()
