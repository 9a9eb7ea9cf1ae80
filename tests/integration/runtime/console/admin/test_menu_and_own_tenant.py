"""The console menu shows each person the entries their permissions open (the menu and
the pages' guards read one declaration), and nobody takes their own tenant, or one above
it, out of service: not through the API, not through the page, and the page offers no
such button."""

from __future__ import annotations

import re

import psycopg

from tests.integration.runtime.console.admin.conftest import (
    GAOLAN,
    LANZHOU,
    PROVINCE,
    Admins,
    admin_url,
    tenant_status,
)
from tests.integration.runtime.console.conftest import CHENGGUAN, text_of
from tests.integration.staff import sign_in
from yiwang.platform.i18n import translate


def _menu(page: str) -> str:
    """The console's menu (the first `themes` navigation; the admin sections are `subnav`)."""
    found = re.search(r'<nav class="themes" .*?</nav>', page, re.S)
    assert found is not None, page
    return found.group(0)


def _subnav(page: str) -> str:
    found = re.search(r'<nav class="themes subnav" .*?</nav>', page, re.S)
    assert found is not None, page
    return found.group(0)


def _refusals(admin_sql: psycopg.Connection, action: str, code: str) -> list[str]:
    return [
        str(r[0])
        for r in admin_sql.execute(
            "SELECT detail->>'error' FROM audit_log WHERE action = %s AND object_id = %s"
            " AND outcome = 'failure' ORDER BY seq",
            (action, code),
        ).fetchall()
    ]


async def test_the_menu_shows_what_each_person_may_open(admins: Admins) -> None:
    admin_label = translate("admin.nav")
    audit_label = translate("admin.section.audit")
    clerk = await admins.person("clerk", [("window_clerk", CHENGGUAN, False)], CHENGGUAN)
    inbox = await admins.page(f"/console/t/{CHENGGUAN}/inbox", clerk)
    assert inbox.status_code == 200, inbox.text
    menu = _menu(inbox.text)
    assert translate("console.nav.inbox") in menu
    assert admin_label not in text_of(menu) and "/admin/" not in menu

    padmin = await admins.province_admin()
    tenants = await admins.page(admin_url(PROVINCE, "tenants"), padmin)
    assert tenants.status_code == 200, tenants.text
    assert f'href="{admin_url(PROVINCE, "tenants")}"' in _menu(tenants.text)
    assert admin_label in text_of(_menu(tenants.text))
    # 三员分立: the province admin holds no audit:read, so no 审计 entry anywhere
    assert audit_label not in text_of(tenants.text)
    assert admin_url(PROVINCE, "audit") not in tenants.text

    auditor = await admins.person("auditor", [("auditor", GAOLAN, False)], GAOLAN)
    audit = await admins.page(admin_url(GAOLAN, "audit"), auditor)
    assert audit.status_code == 200, audit.text
    # the auditor's 管理 leads to the one section they may open
    assert f'href="{admin_url(GAOLAN, "audit")}"' in _menu(audit.text)
    assert admin_label in text_of(_menu(audit.text))
    assert audit_label in text_of(_subnav(audit.text))
    assert admin_url(GAOLAN, "tenants") not in audit.text
    assert translate("console.nav.inbox") not in text_of(_menu(audit.text))


async def test_nobody_suspends_their_own_tenant_or_one_above_it(
    admins: Admins, admin_sql: psycopg.Connection, restore_gaolan: str
) -> None:
    padmin = await admins.province_admin()
    listing = await admins.page(admin_url(PROVINCE, "tenants"), padmin)
    own = re.search(rf'<tr id="tenant-{PROVINCE}".*?</tr>', listing.text, re.S)
    assert own is not None and "/admin/lifecycle/" not in own.group(0)
    assert f'href="{admin_url(GAOLAN, "lifecycle", "suspend")}?from={PROVINCE}"' in listing.text

    # the page's form, posted by hand: refused in Chinese, nothing changed, audited
    form = {"from": PROVINCE, "reason": "测试", "confirm": "on"}
    posted = await admins.post(admin_url(PROVINCE, "lifecycle", "suspend"), padmin, form)
    assert posted.status_code == 403, posted.text
    refused = translate("tenant.own_out_of_service", home="甘肃省", name="甘肃省", action="暂停")
    assert refused in text_of(posted.text)
    assert tenant_status(admin_sql, PROVINCE) == "active"
    assert _refusals(admin_sql, "tenant.suspend", PROVINCE)[-1] == "tenant.own_out_of_service"

    # a province admin whose own tenant is Lanzhou: neither Lanzhou nor the province
    login = f"lzadmin.{admins.tag}"
    cookies = await admins.person("lzadmin", [("province_admin", PROVINCE, True)], LANZHOU)
    rows = await admins.page(admin_url(PROVINCE, "tenants"), cookies)
    for code in (PROVINCE, LANZHOU):
        row = re.search(rf'<tr id="tenant-{code}".*?</tr>', rows.text, re.S)
        assert row is not None and "/admin/lifecycle/" not in row.group(0), code
    admins.client.cookies.clear()
    auth = await sign_in(admins.client, login, admins.secrets[login])
    admins.client.cookies.clear()
    for code, action, body in (
        (PROVINCE, "suspend", {"reason": "测试"}),
        (LANZHOU, "suspend", {}),
        (LANZHOU, "archive", {"confirm": "兰州市"}),
    ):
        answer = await admins.client.post(f"/api/v1/t/{code}/{action}", json=body, headers=auth)
        assert answer.status_code == 403, answer.text
        assert answer.json()["error"]["code"] == "tenant.own_out_of_service"
        assert tenant_status(admin_sql, code) == "active"
    # below its own tenant the lifecycle goes on as before
    done = await admins.client.post(f"/api/v1/t/{GAOLAN}/suspend", json={}, headers=auth)
    assert done.status_code == 200, done.text
    assert tenant_status(admin_sql, GAOLAN) == "suspended"
