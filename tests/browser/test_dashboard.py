"""The supervision dashboard in chromium at 1280 and 360 px: the province's supervisor
(created and granted through the services the command line calls, activated through the
API as a person would, once per module) opens the page; ECharts draws the charts and the Gansu map; a red case written as the
cases room stores it appears in the live list without a reload. axe-core checks every
page visited and the screenshots are kept."""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from typing import Any, Final

import psycopg
import pyotp
import pytest
from playwright.async_api import Browser, BrowserContext, Page

from tests.browser.accessibility import check_page
from tests.integration.runtime.supervision.conftest import insert_case, purge
from tests.integration.stack import Stack
from tests.integration.staff import create_staff

WIDTHS: Final = {"desktop": (1280, 900), "phone": (360, 740)}
PASSWORD: Final = "Dash-Board#2031x"
CHENGGUAN: Final = "620102"


def _totp(secret: str) -> str:
    """The next step's code: the previous step's may have been used by the activation."""
    return str(pyotp.TOTP(secret).at(int(time.time()) + 30))


@pytest.fixture(scope="module")
async def supervisor(
    browser: Browser, server_url: str, staff_stack: Stack, admin_dsn: str
) -> AsyncIterator[tuple[BrowserContext, str]]:
    """The province's supervisor, once per module: created and granted through the services
    the command line calls (in this process), then activated through the API in this
    browser context (its session cookie); the context and the login."""
    login = f"dash.{uuid.uuid4().hex[:8]}"
    created = await create_staff(staff_stack, login, "620000")
    await staff_stack.admin(
        "grant",
        login=login,
        role="province_supervisor",
        tenant_code="620000",
        subtree=True,
        granter=None,
    )
    context = await browser.new_context()
    try:
        body = {"login": login, "code": created["activation_code"], "password": PASSWORD}
        started = await context.request.post(f"{server_url}/api/v1/auth/activation", data=body)
        assert started.ok, await started.text()
        secret = pyotp.parse_uri((await started.json())["totp_uri"]).secret
        confirmed = await context.request.post(
            f"{server_url}/api/v1/auth/activation/confirm", data={**body, "totp": _totp(secret)}
        )
        assert confirmed.ok, await confirmed.text()
        yield context, login
    finally:
        await context.close()
        with psycopg.connect(admin_dsn, autocommit=True) as admin_sql:
            _forget_account(admin_sql, login)


def _forget_account(admin_sql: psycopg.Connection, login: str) -> None:
    ids = [
        r[0]
        for r in admin_sql.execute("SELECT id FROM accounts WHERE login = %s", (login,)).fetchall()
    ]
    admin_sql.execute("DELETE FROM casbin_rule WHERE v0 = ANY(%s)", ([f"user:{i}" for i in ids],))
    admin_sql.execute("DELETE FROM account_activations WHERE account_id = ANY(%s)", (ids,))
    admin_sql.execute("DELETE FROM accounts WHERE id = ANY(%s)", (ids,))


@pytest.fixture(params=sorted(WIDTHS))
async def page(
    request: pytest.FixtureRequest,
    supervisor: tuple[BrowserContext, str],
    admin_sql: psycopg.Connection,
) -> AsyncIterator[Page]:
    """A page of the supervisor's at one width; the cases the test writes go afterwards."""
    context, login = supervisor
    width, height = WIDTHS[request.param]
    made = await context.new_page()
    await made.set_viewport_size({"width": width, "height": height})
    tag = uuid.uuid4().hex[:8]
    made.width_name = request.param  # type: ignore[attr-defined]
    made.tag = tag  # type: ignore[attr-defined]
    made.login = login  # type: ignore[attr-defined]
    try:
        yield made
    finally:
        await made.close()
        purge(admin_sql, f"%{tag}%")


async def _open(page: Page, url: str) -> None:
    """The page once the server's policy has the new grant (it polls for changes)."""
    deadline = time.monotonic() + 20
    while True:
        resp = await page.goto(url)
        assert resp is not None
        if resp.status == 200 or time.monotonic() > deadline:
            break
        await page.wait_for_timeout(300)
    assert resp.status == 200, await resp.text()


PAINTED: Final = """(selector) => {
    const canvas = document.querySelector(selector + ' canvas');
    if (!canvas || !canvas.width) return 0;
    const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    let n = 0;
    for (let i = 3; i < data.length; i += 4) if (data[i] !== 0) n++;
    return n;
}"""
CHARTS: Final = ("chart-bars", "chart-evaluations", "chart-map")


async def _painted(page: Page, selector: str) -> int:
    """How many pixels of the chart's canvas are not blank."""
    result: int = await page.evaluate(PAINTED, selector)
    return result


async def _squeezed_to_nothing(page: Page, problems: list[str]) -> None:
    """The charts' boxes at zero width, the window told it resized, then the boxes back:
    no page error (the map threw "Cannot read properties of null (reading '0')" when
    it was resized in a box of no width, which chromium's full-page capture made
    now and then), and the map is drawn again."""
    await page.evaluate(
        """(ids) => {
            for (const id of ids) document.getElementById(id).style.width = '0px';
            window.dispatchEvent(new Event('resize'));
        }""",
        list(CHARTS),
    )
    await page.evaluate("() => new Promise(r => requestAnimationFrame(() => setTimeout(r)))")
    assert problems == []
    await page.evaluate(
        "(ids) => { for (const id of ids) document.getElementById(id).style.width = ''; }",
        list(CHARTS),
    )
    await page.wait_for_function(f"({PAINTED})('#chart-map') > 5000", timeout=10_000)
    assert problems == []


async def test_the_dashboard_draws_and_the_red_list_follows_the_server(
    page: Page, server_url: str, admin_sql: psycopg.Connection
) -> None:
    problems: list[str] = []
    page.on("pageerror", lambda e: problems.append(str(e)))
    # every file the page loads is ours and there (the browser's own favicon guess aside)
    page.on(
        "response",
        lambda r: (
            problems.append(f"{r.status} {r.url}")
            if r.status >= 400 and not r.url.endswith("/favicon.ico")
            else None
        ),
    )
    name = page.width_name  # type: ignore[attr-defined]
    await _open(page, f"{server_url}/console/t/620000/supervision?metric=red_now")
    problems.clear()  # the first tries may come before the server's policy has the grant
    await page.reload()
    assert page.url.startswith(f"{server_url}/console/t/620000/subtree/supervision")
    assert await page.locator("h1").inner_text() == "甘肃省效能电子监察"
    # in the console's one shell: the supervisor is named and may sign out
    login = page.login  # type: ignore[attr-defined]
    assert login in await page.locator(".account-name").inner_text()
    assert await page.locator("form.sign-out button").is_visible()
    await page.wait_for_function("window.yiwangDashboard && window.yiwangDashboard.map")
    drawn: dict[str, Any] = await page.evaluate(
        """() => ({
            bars: !!echarts.getInstanceByDom(document.getElementById('chart-bars')),
            map: echarts.getInstanceByDom(document.getElementById('chart-map'))
                   .getOption().series[0].map,
            regions: echarts.getInstanceByDom(document.getElementById('chart-map'))
                   .getOption().series[0].data.length,
            features: echarts.getMap('甘肃').geoJSON.features.length,
        })"""
    )
    assert drawn == {"bars": True, "map": "甘肃", "regions": 14, "features": 14}
    assert await _painted(page, "#chart-bars") > 500
    assert await _painted(page, "#chart-map") > 5000
    await check_page(page, f"dashboard-{name}")
    assert problems == []
    await _squeezed_to_nothing(page, problems)
    overflow = await page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, overflow

    # a red case appears in the live list; the page is not reloaded
    await page.evaluate("window.__notReloaded = true")
    tag = page.tag  # type: ignore[attr-defined]
    number = f"{CHENGGUAN}-{tag}-000001"
    assert number not in await page.locator("#alerts-lists").inner_text()
    insert_case(
        admin_sql,
        int(
            admin_sql.execute("SELECT id FROM tenants WHERE code = %s", (CHENGGUAN,)).fetchone()[0]  # type: ignore[index]
        ),
        number,
        f"account:{tag}",
        submitted_at=datetime.now(UTC) - timedelta(days=30),
        colour="red",
        promised_due=date.today() - timedelta(days=3000),
    )
    red = page.locator("section.alert-red")
    await red.get_by_role("link", name=number).wait_for(timeout=20_000)
    assert await page.evaluate("window.__notReloaded === true")
    link = await red.get_by_role("link", name=number).get_attribute("href")
    assert link == f"/console/t/{CHENGGUAN}/cases/{number}"
    await check_page(page, f"dashboard-live-{name}")
    assert problems == []
