"""The application journey at 360 px in chromium: a citizen at 城关区 applies for 食品经营许可
with attachments (a draft saved first and resumed), answers a 补正 the clerk asked for
through the staff API with a new file, and rates a completed case.

The food licence route names `inspector`, which the role catalogue lacks, so no staff
member can bring that case to 办结 over HTTP (see `tests/integration/runtime/cases/
licensing.py`): the rating is given on a case of the standard route, completed through
the staff API. axe runs on every page visited; screenshots are kept."""

from __future__ import annotations

import asyncio
import re
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from playwright.async_api import Browser, Page, expect

from tests.browser.accessibility import check_page
from tests.browser.citizen_signin import CHENGGUAN, sign_in
from tests.integration.conftest import services  # noqa: F401  (the staff are made in-process)
from tests.integration.runtime.cases.conftest import purge_cases
from tests.integration.runtime.cases.licensing import DEPT
from tests.integration.runtime.portal.test_application_drafts import FOOD_FORM
from tests.integration.runtime.portal.test_case_feedback import STANDARD
from tests.integration.runtime.test_records import APPLICANT
from tests.integration.stack import Stack
from tests.integration.staff import make_staff, totp_code
from tests.unit.runtime.attachments.samples import pdf, png

WIDTH = 360


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    made = {
        "平面图.png": png(),
        "流程图.png": png(6, 6),
        "制度.pdf": pdf(),
        "新平面图.png": png(8, 8),
    }
    for name, body in made.items():
        (tmp_path / name).write_bytes(body)
    return {name: tmp_path / name for name in made}


@pytest.fixture
def own(admin_sql: psycopg.Connection) -> Iterator[list[str]]:
    """Logins the test made: their accounts, cases and feedback are removed afterwards."""
    made: list[str] = []
    yield made
    for login in made:
        row = admin_sql.execute("SELECT id FROM accounts WHERE login = %s", (login,)).fetchone()
        if row is None:
            continue
        submitter = f"account:{row[0]}"
        for table in ("supervision_complaints", "supervision_evaluations"):
            admin_sql.execute(
                f"DELETE FROM {table} WHERE case_id IN (SELECT id FROM cases WHERE submitter = %s)",
                (submitter,),
            )
        purge_cases(admin_sql, submitter)
        admin_sql.execute("DELETE FROM casbin_rule WHERE v0 = %s", (f"user:{row[0]}",))
        admin_sql.execute("DELETE FROM account_activations WHERE account_id = %s", (row[0],))
        admin_sql.execute("DELETE FROM accounts WHERE id = %s", (row[0],))


async def _staff(
    stack: Stack, server_url: str, own: list[str], tag: str, role: str
) -> dict[str, str]:
    login = f"{role}.{tag}"
    own.append(login)
    secret = await make_staff(stack, login, CHENGGUAN, [(role, CHENGGUAN, False)], DEPT)
    async with httpx.AsyncClient(base_url=server_url) as http:
        signed = await http.post(
            "/api/v1/auth/login",
            json={"login": login, "password": "Hx7#qLm2vT", "totp": totp_code(secret)},
        )
        assert signed.status_code == 200, signed.text
        headers = {"authorization": f"Bearer {signed.json()['token']}"}
        async with asyncio.timeout(20):  # until the server's policy holder has the grant
            while (  # noqa: ASYNC110
                await http.get(f"/api/v1/t/{CHENGGUAN}/inbox", headers=headers)
            ).status_code != 200:
                await asyncio.sleep(0.2)
    return headers


async def _act(server_url: str, headers: dict[str, str], number: str, **action: Any) -> None:
    async with httpx.AsyncClient(base_url=server_url) as http:
        done = await http.post(
            f"/api/v1/t/{CHENGGUAN}/cases/{number}/actions", json=action, headers=headers
        )
        assert done.status_code == 200, done.text


async def _fill(page: Page, values: dict[str, str]) -> None:
    """Each value into its control, whatever the control is."""
    form = page.locator("form.yiwang-form")
    for name, value in values.items():
        control = form.locator(f'[name="{name}"]').first
        kind = await control.evaluate(
            "e => e.tagName.toLowerCase() + ':' + (e.getAttribute('type') || '')"
        )
        if kind == "select:":
            await control.select_option(value)
        elif kind in ("input:radio", "input:checkbox"):
            await form.locator(f'[name="{name}"][value="{value}"]').check()
        else:
            await control.fill(value)


async def _narrow(page: Page) -> None:
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= WIDTH, width


async def test_apply_with_a_draft_answer_a_supplement_and_rate(
    browser: Browser,
    server_url: str,
    services: Stack,  # noqa: F811
    admin_sql: psycopg.Connection,
    files: dict[str, Path],
    own: list[str],
) -> None:
    tag = secrets.token_hex(4)
    phone = "139" + str(secrets.randbelow(10**8)).zfill(8)
    item = admin_sql.execute(
        "SELECT r.id FROM records r JOIN tenants t ON t.id = r.tenant_id WHERE t.code = %s"
        " AND r.type_key = 'service_item' AND r.data ->> 'business_form' = 'food_business_license'"
        " AND r.deleted_at IS NULL ORDER BY r.id LIMIT 1",
        (CHENGGUAN,),
    ).fetchone()
    assert item is not None
    apply_url = f"{server_url}/r/{CHENGGUAN}/services/{item[0]}/apply"
    context = await browser.new_context(viewport={"width": WIDTH, "height": 740})
    page = await context.new_page()
    try:
        await sign_in(page, server_url, phone, "journey")
        own.append(phone[:3] + "****" + phone[-4:])

        # a draft: what was typed and the plan, kept; the page resumes it
        await page.goto(apply_url)
        await check_page(page, "journey-apply")
        await _fill(page, {"operator_name": FOOD_FORM["operator_name"]})
        await page.locator("#f-layout_plan").set_input_files(files["平面图.png"])
        await page.get_by_role("button", name="保存草稿").click()
        await expect(page.locator("#notice")).to_contain_text("草稿已保存")
        await check_page(page, "journey-draft-saved")
        await page.goto(f"{server_url}/r/{CHENGGUAN}/my/cases")
        await expect(page.locator(".drafts")).to_contain_text("食品经营许可")
        await check_page(page, "journey-my-cases-draft")
        await page.locator(".drafts a").first.click()
        await expect(page.locator("#notice")).to_contain_text("已恢复您保存的草稿")
        await expect(page.locator("#f-operator_name")).to_have_value(FOOD_FORM["operator_name"])
        await expect(page.locator(".stored-file")).to_contain_text("平面图.png")
        await _narrow(page)

        # the rest of the form, two more files, and 提交
        envelope = {f"application.{k}": str(v) for k, v in APPLICANT.items()}
        await _fill(page, {**envelope, **FOOD_FORM})
        await page.locator("#f-safety_rules").set_input_files(files["制度.pdf"])
        await page.locator("#f-process_flow").set_input_files(files["流程图.png"])
        await page.get_by_role("button", name="提交", exact=True).click()
        confirmation = page.locator("#confirmation")
        await expect(confirmation).to_contain_text("申请已提交")
        await check_page(page, "journey-submitted")
        found = re.search(r"办件编号 (\S+?)。", await confirmation.inner_text())
        assert found is not None
        number = found.group(1)

        # the clerk asks for a 补正 through the staff API; the citizen sees it and answers
        clerk = await _staff(services, server_url, own, tag, "window_clerk")
        await _act(
            server_url, clerk, number, action="request_supplement", missing=["经营场所平面布局图"]
        )
        await page.goto(f"{server_url}/r/{CHENGGUAN}/my/cases")
        await expect(page.locator("#changes")).to_contain_text(f"办件 {number}：待补正")
        await check_page(page, "journey-my-cases-news")
        await page.get_by_role("link", name=number).click()
        await expect(page.locator("ul.missing")).to_contain_text("经营场所平面布局图")
        await check_page(page, "journey-supplement")
        await page.get_by_label("上传“经营场所平面布局图”").set_input_files(files["新平面图.png"])
        await page.get_by_label("补正说明").fill("已重新上传清晰的平面图")
        await page.get_by_role("button", name="提交补正").click()
        await expect(page.get_by_role("status").first).to_contain_text("补正材料已提交")
        await expect(page.locator(".case-status")).to_have_text("待受理")
        await expect(page.locator(".timeline")).to_contain_text("已补正并重新提交")
        await check_page(page, "journey-resubmitted")
        await _narrow(page)

        # a case of the standard route, completed through the staff API, then rated
        cookies = {c["name"]: c["value"] for c in await context.cookies()}
        opened = await context.request.post(
            f"{server_url}/api/v1/t/{CHENGGUAN}/cases",
            data=STANDARD,
            headers={"x-csrf-token": cookies["yiwang_csrf"]},
        )
        assert opened.status == 201, await opened.text()
        done = str((await opened.json())["number"])
        reviewer = await _staff(services, server_url, own, tag, "dept_reviewer")
        leader = await _staff(services, server_url, own, tag, "dept_leader")
        await _act(server_url, clerk, done, action="accept")
        await _act(server_url, reviewer, done, action="approve", task="review")
        await _act(
            server_url,
            leader,
            done,
            action="decide",
            outcome="approved",
            legal_basis="《行政许可法》",
        )
        await _act(server_url, clerk, done, action="complete")
        await page.goto(f"{server_url}/r/{CHENGGUAN}/my/cases/{done}")
        await expect(page.locator(".case-status")).to_have_text("已办结")
        await check_page(page, "journey-completed")
        await page.get_by_label("非常满意").check()
        await page.get_by_label("评价意见（选填）").fill("办理很快")
        await page.get_by_role("button", name="提交评价").click()
        await expect(page.get_by_role("status").first).to_contain_text("感谢您的评价")
        await expect(page.locator(".rating")).to_contain_text("您已评价：非常满意")
        await check_page(page, "journey-rated")
        await _narrow(page)
    finally:
        await context.close()
