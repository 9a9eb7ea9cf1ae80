"""A local field, in chromium: a 兰州市 operator adds it in the model editor and publishes;
it appears on 城关区's citizen form and not on 天水市's; a 城关区 application submitted
through the API carries it, and the staff case read shows it. axe runs on every page
visited; a refused edit shows its message at the field, keeping what was typed.

Staff accounts are made the way people get them (`tests.integration.staff`); the console's
sign-in page is another room's, so the browser signs in through the API with its own
session cookie, as that page does."""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from playwright.async_api import Browser, BrowserContext, Page, expect

from tests.browser.accessibility import check_page
from tests.browser.citizen_signin import code_for
from tests.integration.conftest import installed, services, tree  # noqa: F401  (fixtures)
from tests.integration.metadata.conftest import restore  # noqa: F401  (a fixture)
from tests.integration.runtime.cases.conftest import CASE_TABLES
from tests.integration.runtime.test_records import APPLICANT, BUSINESS
from tests.integration.stack import Stack
from tests.integration.staff import PASSWORD, make_staff, totp_code

CITY, COUNTY, TIANSHUI = "620100", "620102", "620500"
FORM = "individual_business_registration"
FIELD = "x_lz_shop_sign"


@pytest.fixture
def tag(admin_sql: psycopg.Connection) -> Iterator[str]:
    """This test's accounts (staff and the citizen) are removed afterwards."""
    made = uuid.uuid4().hex[:8]
    yield made
    ids = [
        r[0]
        for r in admin_sql.execute(
            "SELECT id FROM accounts WHERE login LIKE %s OR login = %s",
            (f"%{made}%", _phone(made)),
        ).fetchall()
    ]
    admin_sql.execute("DELETE FROM casbin_rule WHERE v0 = ANY(%s)", ([f"user:{i}" for i in ids],))
    admin_sql.execute("DELETE FROM account_activations WHERE account_id = ANY(%s)", (ids,))
    admin_sql.execute("DELETE FROM accounts WHERE id = ANY(%s)", (ids,))


@pytest.fixture
def created_records(
    restore: None,  # noqa: F811
    admin_sql: psycopg.Connection,
) -> Iterator[None]:
    """Records (and their cases) validated against a model this test published go before
    `restore` removes that model."""
    before = set(admin_sql.execute("SELECT tenant_id, id FROM metadata_effective").fetchall())
    yield
    rows = admin_sql.execute("SELECT tenant_id, id, effective_id FROM records").fetchall()
    made = [(t, i) for t, i, e in rows if (t, e) not in before]
    for tenant_id, record_id in made:
        cases = [
            r[0]
            for r in admin_sql.execute(
                "SELECT id FROM cases WHERE tenant_id = %s AND record_id = %s",
                (tenant_id, record_id),
            ).fetchall()
        ]
        for table in (*CASE_TABLES, "supervision_case_facts"):
            admin_sql.execute(
                f"DELETE FROM {table} WHERE tenant_id = %s AND case_id = ANY(%s)",
                (tenant_id, cases),
            )
        admin_sql.execute(
            "DELETE FROM cases WHERE tenant_id = %s AND id = ANY(%s)", (tenant_id, cases)
        )
        for table in ("record_history", "record_idempotency"):
            admin_sql.execute(
                f"DELETE FROM {table} WHERE tenant_id = %s AND record_id = %s",
                (tenant_id, record_id),
            )
        admin_sql.execute(
            "DELETE FROM records WHERE tenant_id = %s AND id = %s", (tenant_id, record_id)
        )


def _phone(tag: str) -> str:
    return "137" + str(int(tag, 16) % 10**8).zfill(8)


async def _api_sign_in(context: BrowserContext, server_url: str, login: str, secret: str) -> None:
    resp = await context.request.post(
        f"{server_url}/api/v1/auth/login",
        data={"login": login, "password": PASSWORD, "totp": totp_code(secret)},
    )
    assert resp.status == 200, await resp.text()


async def _reachable(context: BrowserContext, url: str) -> None:
    """Wait until the server's policy has the new grant (its workers poll the version)."""
    for _ in range(100):
        resp = await context.request.get(url, headers={"accept": "application/json"})
        if resp.status != 404:
            assert resp.status == 200, await resp.text()
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"{url} stayed 404")


async def _csrf(context: BrowserContext) -> str:
    return {c["name"]: c["value"] for c in await context.cookies()}["yiwang_csrf"]


async def _service_item(admin_sql: psycopg.Connection) -> tuple[int, str]:
    row = admin_sql.execute(
        "SELECT r.id, r.department FROM records r JOIN tenants t ON t.id = r.tenant_id"
        " WHERE t.code = %s AND r.type_key = 'service_item' AND r.deleted_at IS NULL AND r.data->>'business_form' = %s"
        " ORDER BY r.id LIMIT 1",
        (COUNTY, FORM),
    ).fetchone()
    assert row is not None, "the bundled samples give 城关区 an item with this business form"
    return int(row[0]), str(row[1])


async def _add_the_field(page: Page, server_url: str) -> None:
    await page.goto(f"{server_url}/console/t/{CITY}/model")
    await expect(page.get_by_role("heading", level=1)).to_have_text("兰州市的事项类型")
    await check_page(page, "model-editor-types")
    await page.get_by_role("link", name="个体工商户设立登记申请表").click()
    await page.wait_for_url(f"**/console/t/{CITY}/model/types/{FORM}")
    await check_page(page, "model-editor-type")
    form = page.locator("#add-field")
    # first without the x_ prefix: refused at the key, what was typed kept
    await form.get_by_label("字段标识").fill("lz_shop_sign")
    await form.get_by_label("名称").fill("店招名称")
    await form.get_by_label("类型").select_option("text")
    await form.get_by_label("显示在表单分组").select_option("apply/operator")
    await form.get_by_role("button", name="保存到草稿").click()
    await expect(page.locator("#add-field-key-error")).to_have_text(
        "地区新增的“lz_shop_sign”必须以 x_ 开头，以免与基础模型冲突。"
    )
    await expect(page.locator("#add-field-label")).to_have_value("店招名称")
    await expect(page.locator("#add-field-key")).to_have_attribute("aria-invalid", "true")
    await check_page(page, "model-editor-refused")
    await page.locator("#add-field-key").fill(FIELD)
    await page.locator("#add-field-help").fill("门头招牌上的字号")
    await page.locator("#add-field").get_by_role("button", name="保存到草稿").click()
    await page.wait_for_url(re.compile(r"\?done=saved$"))
    await expect(page.get_by_role("status")).to_contain_text("已保存到草稿")
    await expect(page.locator(f"#field-{FIELD}")).to_contain_text("本地扩展（兰州市）")
    await check_page(page, "model-editor-saved")


async def _preview_and_publish(page: Page, server_url: str) -> None:
    await (
        page.get_by_role("navigation", name="模型编辑导航")
        .get_by_role("link", name="预览与发布")
        .click()
    )
    await page.wait_for_url(f"**/console/t/{CITY}/model/preview")
    await expect(page.locator("#diff")).to_contain_text(f"/documents/{FORM}/fields/{FIELD}")
    await expect(page.locator("#impact")).to_contain_text("不与任何下级地区的扩展冲突")
    await check_page(page, "model-editor-preview")
    await page.get_by_role("link", name=re.compile("个体工商户设立登记申请表")).first.click()
    await expect(page.locator("#form-preview").get_by_text("店招名称")).to_be_visible()
    await check_page(page, "model-editor-form-preview")
    await page.go_back()
    await page.get_by_label("发布说明").fill("增加店招名称")
    await page.get_by_role("button", name="发布").click()
    # the browser's own check stops an unconfirmed publish; the server refuses it too (tests)
    assert await page.locator("#publish-confirm").evaluate("e => !e.validity.valid")
    await page.get_by_label("我已查看修改内容和影响，确认发布").check()
    await page.get_by_role("button", name="发布").click()
    await page.wait_for_url(re.compile(r"/model/versions\?done=published&number=\d+$"))
    await expect(page.get_by_role("status")).to_contain_text("已发布第")
    await expect(page.locator("#versions tr.current")).to_contain_text("增加店招名称")
    await check_page(page, "model-editor-versions")


async def _apply(context: BrowserContext, server_url: str, service_id: int, tag: str) -> str:
    """A 城关区 citizen's application through the API, carrying the local field."""
    phone = _phone(tag)
    sent = await context.request.post(
        f"{server_url}/api/v1/auth/sms/code",
        data={"phone": phone},
        headers={"x-csrf-token": await _csrf(context)},
    )
    assert sent.status == 202, await sent.text()
    signed = await context.request.post(
        f"{server_url}/api/v1/auth/sms/login",
        data={"phone": phone, "code": code_for(phone)},
        headers={"x-csrf-token": await _csrf(context)},
    )
    assert signed.status == 200, await signed.text()
    made = await context.request.post(
        f"{server_url}/api/v1/t/{COUNTY}/services/{service_id}/applications",
        data={"data": APPLICANT, "form": {**BUSINESS, FIELD: "张记百货"}},
        headers={"x-csrf-token": await _csrf(context), "idempotency-key": f"editor-{tag}"},
    )
    assert made.status == 201, await made.text()
    body = await made.json()
    return str(body["case"]["number"]), int(body["id"])


def _values(body: Any) -> list[Any]:
    """Every (key, value) pair anywhere in a JSON answer."""
    found: list[Any] = []
    if isinstance(body, dict):
        for key, value in body.items():
            found.append((key, value))
            found += _values(value)
    elif isinstance(body, list):
        for value in body:
            found += _values(value)
    return found


async def test_a_local_field_from_the_editor_to_the_staff_case_read(
    browser: Browser,
    server_url: str,
    services: Stack,  # noqa: F811
    created_records: None,
    admin_sql: psycopg.Connection,
    tag: str,
) -> None:
    service_id, department = await _service_item(admin_sql)
    operator = f"editor.lz.op.{tag}"
    operator_secret = await make_staff(
        services, operator, CITY, [("prefecture_operator", CITY, False)]
    )
    clerk = f"editor.cg.clerk.{tag}"
    clerk_secret = await make_staff(
        services, clerk, COUNTY, [("window_clerk", COUNTY, False)], department=department
    )

    context = await browser.new_context(locale="zh-CN")
    try:
        page = await context.new_page()
        await page.goto(f"{server_url}/console/t/{CITY}/model")
        # signed out: the editor sends the browser to the console's sign-in
        assert "/console/signin?next=/console/t/620100/model" in page.url
        await _api_sign_in(context, server_url, operator, operator_secret)
        await _reachable(context, f"{server_url}/console/t/{CITY}/model")
        await _add_the_field(page, server_url)
        await _preview_and_publish(page, server_url)
    finally:
        await context.close()

    public = await browser.new_context(locale="zh-CN")
    try:
        page = await public.new_page()
        await page.goto(f"{server_url}/r/{COUNTY}/forms/{FORM}/apply")
        await expect(page.get_by_label(re.compile("店招名称"))).to_be_visible()
        await check_page(page, "model-editor-chengguan-form")
        await page.goto(f"{server_url}/r/{TIANSHUI}/forms/{FORM}/apply")
        await expect(page.get_by_role("heading", level=1)).to_be_visible()
        assert await page.locator(f"#f-{FIELD}").count() == 0
        await check_page(page, "model-editor-tianshui-form")
        number, record_id = await _apply(public, server_url, service_id, tag)
    finally:
        await public.close()

    staff = await browser.new_context(locale="zh-CN")
    try:
        await _api_sign_in(staff, server_url, clerk, clerk_secret)
        await _reachable(staff, f"{server_url}/api/v1/t/{COUNTY}/cases/{number}")
        read = await staff.request.get(f"{server_url}/api/v1/t/{COUNTY}/cases/{number}")
        assert read.status == 200, await read.text()
        case = await read.json()
        assert (case["form"], case["status"]) == (FORM, "submitted")
        # the case read names no form data; the application record it was opened from does
        record = await staff.request.get(
            f"{server_url}/api/v1/t/{COUNTY}/records/application/{record_id}"
        )
        assert record.status == 200, await record.text()
        assert (FIELD, "张记百货") in _values(await record.json()), await record.text()
    finally:
        await staff.close()
