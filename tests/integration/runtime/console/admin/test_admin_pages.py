"""The provincial admin pages over HTTP against the real services: the access matrix,
suspending and resuming a county, onboarding a division file as a job, granting and
revoking roles, and the audit trail with its verification.

Every refusal is checked to change nothing."""

from __future__ import annotations

import re
from datetime import date, timedelta

import psycopg

from tests.integration.runtime.console.admin.conftest import (
    GAOLAN,
    LANZHOU,
    PROVINCE,
    ZONE_FILE,
    Admins,
    admin_url,
    tenant_status,
)
from tests.integration.runtime.console.conftest import CHENGGUAN, QILIHE, text_of
from tests.integration.staff import make_staff
from yiwang.platform.i18n import translate

SECTIONS = ("tenants", "onboarding", "roles", "audit")


def _audits(admin_sql: psycopg.Connection, action: str, code: str) -> list[tuple[str, dict]]:
    return [
        (str(r[0]), dict(r[1]))
        for r in admin_sql.execute(
            "SELECT outcome, detail FROM audit_log WHERE action = %s AND object_id = %s"
            " ORDER BY seq",
            (action, code),
        ).fetchall()
    ]


async def test_who_may_open_which_page(admins: Admins) -> None:
    # anonymous browsers sign in first
    for section in SECTIONS:
        path = admin_url(CHENGGUAN, section)
        page = await admins.page(path)
        assert (
            page.status_code == 303 and page.headers["location"] == f"/console/signin?next={path}"
        )
    clerk = await admins.person("clerk", [("window_clerk", CHENGGUAN, False)], CHENGGUAN)
    outsider = await admins.person("outsider", [("county_operator", QILIHE, False)], QILIHE)
    operator = await admins.person("operator", [("county_operator", CHENGGUAN, False)], CHENGGUAN)
    for section in SECTIONS:
        path = admin_url(CHENGGUAN, section)
        refused = await admins.page(path, clerk)
        assert refused.status_code == 403, (section, refused.text)
        assert "<main" in refused.text and translate("web.error.403") in refused.text
        hidden = await admins.page(path, outsider)
        assert hidden.status_code == 404, (section, hidden.text)
    # the county's operator: its own tenant and roles, not onboarding nor the audit trail
    for section, expected in (
        ("tenants", 200),
        ("roles", 200),
        ("onboarding", 403),
        ("audit", 403),
    ):
        assert (await admins.page(admin_url(CHENGGUAN, section), operator)).status_code == expected
    tenants = await admins.page(admin_url(CHENGGUAN, "tenants"), operator)
    # the menu names 管理, and the section menu only the sections the person may open
    assert f'href="{admin_url(CHENGGUAN, "tenants")}"' in tenants.text
    assert translate("admin.nav") in text_of(tenants.text)
    assert f'href="{admin_url(CHENGGUAN, "roles")}"' in tenants.text
    assert f'href="{admin_url(CHENGGUAN, "onboarding")}"' not in tenants.text
    # no lifecycle without tenant:write (the province's alone)
    assert "/admin/lifecycle/" not in tenants.text
    confirm = await admins.page(admin_url(CHENGGUAN, "lifecycle", "suspend"), operator)
    assert confirm.status_code == 403
    posted = await admins.post(
        admin_url(CHENGGUAN, "lifecycle", "suspend"), operator, {"confirm": "on"}
    )
    assert posted.status_code == 403


async def test_the_province_suspends_and_resumes_a_county(
    admins: Admins, admin_sql: psycopg.Connection, restore_gaolan: str
) -> None:
    padmin = await admins.province_admin()
    listing = await admins.page(admin_url(PROVINCE, "tenants"), padmin)
    assert listing.status_code == 200, listing.text
    page = text_of(listing.text)
    # the whole province: prefectures and counties, each with its state
    assert "甘肃省" in page and "兰州市" in page and "皋兰县" in page and "天水市" in page
    suspend = admin_url(GAOLAN, "lifecycle", "suspend")
    assert f'href="{suspend}?from={PROVINCE}"' in listing.text
    confirm = await admins.page(f"{suspend}?from={PROVINCE}", padmin)
    assert confirm.status_code == 200
    assert translate("admin.lifecycle.suspend.title", name="皋兰县") in text_of(confirm.text)
    form = {"from": PROVINCE, "reason": "系统维护", "confirm": "on"}
    before = _audits(admin_sql, "tenant.suspend", GAOLAN)

    forged = await admins.post(suspend, padmin, form, csrf=False)
    assert forged.status_code == 403
    unconfirmed = await admins.post(suspend, padmin, {**form, "confirm": ""})
    assert unconfirmed.status_code == 422
    assert translate("admin.lifecycle.confirm_required") in text_of(unconfirmed.text)
    assert "系统维护" in unconfirmed.text  # what was typed is kept
    too_long = await admins.post(suspend, padmin, {**form, "reason": "长" * 501})
    assert too_long.status_code == 422
    assert tenant_status(admin_sql, GAOLAN) == "active"
    assert _audits(admin_sql, "tenant.suspend", GAOLAN) == before

    done = await admins.post(suspend, padmin, form)
    assert done.status_code == 303, done.text
    assert (
        done.headers["location"]
        == admin_url(PROVINCE, "tenants") + f"?done=suspend&target={GAOLAN}"
    )
    assert tenant_status(admin_sql, GAOLAN) == "suspended"
    assert _audits(admin_sql, "tenant.suspend", GAOLAN) == [
        *before,
        ("success", {"from": "active", "to": "suspended", "reason": "系统维护"}),
    ]
    after = await admins.page(done.headers["location"], padmin)
    assert translate("admin.lifecycle.done.suspend", name="皋兰县") in text_of(after.text)
    row = re.search(rf'<tr id="tenant-{GAOLAN}".*?</tr>', after.text, re.S)
    assert row is not None and translate("admin.status.suspended") in row.group(0)
    assert admin_url(GAOLAN, "lifecycle", "resume") in row.group(0)

    # the API's refusal, in Chinese, on the page: a suspended county is not suspended again
    again = await admins.post(suspend, padmin, form)
    assert again.status_code == 409
    refused = translate("tenant.status_transition", name="皋兰县", status="暂停", action="暂停")
    assert refused in text_of(again.text)
    assert _audits(admin_sql, "tenant.suspend", GAOLAN)[-1][0] == "failure"

    resumed = await admins.post(admin_url(GAOLAN, "lifecycle", "resume"), padmin, form)
    assert resumed.status_code == 303
    assert tenant_status(admin_sql, GAOLAN) == "active"
    unknown = await admins.page(admin_url(GAOLAN, "lifecycle", "archive"), padmin)
    assert unknown.status_code == 404


async def test_onboarding_a_division_file_as_a_job(
    admins: Admins, admin_sql: psycopg.Connection, purge_zone: str
) -> None:
    padmin = await admins.province_admin()
    form = await admins.page(admin_url(PROVINCE, "onboarding"), padmin)
    assert form.status_code == 200 and 'enctype="multipart/form-data"' in form.text
    assert '<option value="gansu" selected>' in form.text

    assert (await admins.upload(padmin, ZONE_FILE.encode(), csrf=False))[0] == 403
    missing = await admins.upload(padmin, b"")
    assert missing[0] == 422 and translate("admin.onboarding.file_missing") in missing[1]

    earlier = len(_audits(admin_sql, "tenant.onboard", purge_zone))
    status, location = await admins.upload(padmin, ZONE_FILE.encode())
    assert status == 303, location
    assert location.startswith(admin_url(PROVINCE, "onboarding", "jobs", "onboard_divisions:"))
    job = await admins.page(location, padmin)
    assert job.status_code == 200, job.text
    text = text_of(job.text)
    assert translate("admin.job.state.complete") in text
    assert translate("admin.job.progress", done=1, total=1) in text
    assert "新建 1 个地区" in text and "hx-trigger" not in job.text
    assert tenant_status(admin_sql, purge_zone) == "active"
    assert len(_audits(admin_sql, "tenant.onboard", purge_zone)) == earlier + 1
    actor = admin_sql.execute(
        "SELECT actor FROM audit_log WHERE action = 'tenant.onboard' AND object_id = %s"
        " ORDER BY seq DESC LIMIT 1",
        (purge_zone,),
    ).fetchone()
    assert actor is not None and actor[0] == f"padmin.{admins.tag}"

    # the same file again changes nothing and says so
    _, again = await admins.upload(padmin, ZONE_FILE.encode())
    assert "没有变化" in text_of((await admins.page(again, padmin)).text)

    # only the person who started a job sees it
    other = await admins.province_admin("padmin2")
    assert (await admins.page(location, other)).status_code == 404
    assert (await admins.page(location.replace(PROVINCE, LANZHOU), padmin)).status_code == 404


async def test_a_bad_division_file_is_refused_with_its_line(
    admins: Admins, admin_sql: psycopg.Connection, purge_zone: str
) -> None:
    padmin = await admins.province_admin()
    bad = ZONE_FILE + "620173,新区,zone,629999\n"
    _, location = await admins.upload(padmin, bad.encode())
    job = text_of((await admins.page(location, padmin)).text)
    assert translate("admin.job.refusals") in job
    assert translate("admin.job.line", line=3) in job
    assert translate("divisions.parent_unknown", line=3, parent="629999") in job
    # nothing written, not even the good line
    assert (
        admin_sql.execute("SELECT 1 FROM tenants WHERE code = %s", (purge_zone,)).fetchone() is None
    )
    _, location = await admins.upload(padmin, b"code,name\n")
    assert translate("admin.job.line", line=1) in text_of(
        (await admins.page(location, padmin)).text
    )
    _, location = await admins.upload(padmin, "code,name,level,parent_code\n".encode("utf-16"))
    assert "UTF-8" in text_of((await admins.page(location, padmin)).text)


async def test_granting_and_revoking_roles(admins: Admins, admin_sql: psycopg.Connection) -> None:
    operator = await admins.person("pop", [("prefecture_operator", LANZHOU, True)], LANZHOU)
    grantee = f"newbie.{admins.tag}"
    await make_staff(admins.services, grantee, LANZHOU, [])
    roles = admin_url(LANZHOU, "roles")
    page = await admins.page(roles, operator)
    assert page.status_code == 200, page.text
    assert f"pop.{admins.tag}" in text_of(page.text) and 'id="grant"' in page.text

    form = {"login": grantee, "role": "county_operator"}
    assert (await admins.post(roles + "/grants", operator, form, csrf=False)).status_code == 403
    granted = await admins.post(roles + "/grants", operator, form)
    assert granted.status_code == 303, granted.text
    listed = text_of((await admins.page(granted.headers["location"], operator)).text)
    assert translate("admin.roles.granted", login=grantee, role="县区运营员") in listed
    assert grantee in listed and "县区运营员" in listed

    # a refusal of the grant service: above the granter's own rank, with its message
    above = await admins.post(
        roles + "/grants", operator, {"login": grantee, "role": "security_admin"}
    )
    assert above.status_code == 403
    assert translate("policy.grant_above_own", role="安全管理员") in text_of(above.text)
    own = await admins.post(
        roles + "/grants", operator, {"login": f"pop.{admins.tag}", "role": "county_operator"}
    )
    assert own.status_code == 403 and translate("policy.grant_self") in text_of(own.text)
    empty = await admins.post(roles + "/grants", operator, {"login": "", "role": ""})
    assert empty.status_code == 422 and translate("admin.roles.login_missing") in text_of(
        empty.text
    )

    revoked = await admins.post(roles + "/revocations", operator, form)
    assert revoked.status_code == 303, revoked.text
    after = text_of((await admins.page(revoked.headers["location"], operator)).text)
    assert translate("admin.roles.revoked", login=grantee, role="县区运营员") in after
    again = await admins.post(roles + "/revocations", operator, form)
    assert again.status_code == 422
    assert translate("policy.grant_not_found", role="县区运营员", tenant="兰州市") in text_of(
        again.text
    )
    # each refusal is on the trail with the (masked) login it was about
    refused_changes = [
        r[0]
        for r in admin_sql.execute(
            "SELECT action || ':' || outcome FROM audit_log WHERE action LIKE 'role.%%'"
            " AND detail->>'login' = %s ORDER BY seq",
            (grantee,),
        ).fetchall()
    ]
    assert refused_changes == ["role.grant:denied", "role.revoke:denied"]


async def test_the_audit_trail_pages_filters_and_verifies(
    admins: Admins, admin_sql: psycopg.Connection, restore_gaolan: str
) -> None:
    padmin = await admins.province_admin()
    login = f"padmin.{admins.tag}"
    admin_sql.execute("UPDATE accounts SET display_name = '张三' WHERE login = %s", (login,))
    form = {"from": PROVINCE, "reason": "核查", "confirm": "on"}
    for action in ("suspend", "resume"):
        done = await admins.post(admin_url(GAOLAN, "lifecycle", action), padmin, form)
        assert done.status_code == 303, done.text
    tenant_id = admin_sql.execute("SELECT id FROM tenants WHERE code = %s", (GAOLAN,)).fetchone()
    assert tenant_id is not None
    marker = f"test.page.{admins.tag}"
    for n in range(52):
        admin_sql.execute(
            "SELECT yiwang_audit_append(%s, 'system:test', %s, 'tenant', %s, 'success', '{}')",
            (tenant_id[0], marker, str(n)),
        )
    auditor = await admins.person("auditor", [("auditor", GAOLAN, False)], GAOLAN)
    outsider = await admins.person("auditor2", [("auditor", QILIHE, False)], QILIHE)
    audit = admin_url(GAOLAN, "audit")
    assert (await admins.page(audit, outsider)).status_code == 404
    # the province admin runs the lifecycle, but the audit trail is the auditors' (三员分立)
    assert (await admins.page(audit, padmin)).status_code == 403

    first = await admins.page(audit, auditor, params={"action": marker})
    assert first.status_code == 200, first.text
    objects = re.findall(r"<td>tenant (\d+)</td>", first.text)
    assert objects == [str(n) for n in range(51, 1, -1)]  # newest first, fifty a page
    older = re.search(r'href="([^"]+)" rel="next"', first.text)
    assert older is not None
    second = await admins.page(older.group(1).replace("&amp;", "&"), auditor)
    assert re.findall(r"<td>tenant (\d+)</td>", second.text) == ["1", "0"]
    assert 'rel="next"' not in second.text

    mine = text_of((await admins.page(audit, auditor, params={"actor": "张三"})).text)
    assert translate("admin.actor.person", name="张三", login=login) in mine
    assert "tenant.resume" in mine and "tenant.suspend" in mine
    assert mine.index("tenant.resume") < mine.index("tenant.suspend")
    assert translate("admin.actor.system", name="test") not in mine
    by_login = text_of(
        (
            await admins.page(audit, auditor, params={"actor": login, "action": "tenant.suspend"})
        ).text
    )
    assert "tenant.suspend" in by_login and "tenant.resume" not in by_login
    tomorrow = (date.today() + timedelta(days=2)).isoformat()
    later = await admins.page(audit, auditor, params={"from": tomorrow})
    assert translate("admin.audit.none") in text_of(later.text)
    bad = await admins.page(audit, auditor, params={"to": "2026-13-40"})
    assert bad.status_code == 422
    label = translate("admin.audit.to")
    assert translate("admin.audit.bad_date", label=label) in text_of(bad.text)

    verified = await admins.page(admin_url(GAOLAN, "audit", "verify"), auditor)
    assert verified.status_code == 200, verified.text
    assert "审计链完整" in text_of(verified.text) and 'id="verdict"' in verified.text
