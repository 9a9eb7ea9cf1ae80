"""Issue 8, findings 1 and 12 over HTTP: the public sees citizen forms only, never drafts,
diffs, exports, versions or staff forms; a suspended tenant's work cannot be changed."""

from __future__ import annotations

import asyncio
import re

import psycopg

from tests.integration.http_app import Http, error_of
from yiwang.platform.message_log import read_messages
from yiwang.platform.settings import Settings
from yiwang.policy.identity.settings import IdentitySettings
from yiwang.tenants.lifecycle import Lifecycle
from yiwang.tenants.tree import TenantTree

from .test_versions import COUNTY

OPERATORS_ONLY = ["draft", "draft/diff", "export", "export?effective=true", "versions"]
STAFF_ONLY = ["types", "types/service_item", "types/service_item/schema", "openapi"]
OVERLAY = {
    "tenant": COUNTY,
    "documents": {"food_business_license": {"routes": {"licensing": {"promised_days": 6}}}},
}


async def citizen(http: Http, migrated: Settings, tag: str) -> tuple[dict[str, str], int]:
    """A citizen signed in by SMS (their first sign-in creates the account)."""
    phone = "135" + str(int(tag, 16) % 10**8).zfill(8)
    sent = await http.post("/api/v1/auth/sms/code", json={"phone": phone})
    assert sent.status_code == 202, sent.text
    log = IdentitySettings.from_env(migrated).sms_log
    text = next(m["text"] for m in reversed(read_messages(log)) if m["phone"] == phone)
    code = re.search(r"验证码为 (\d{6})", text)
    assert code is not None
    signed = await http.post("/api/v1/auth/sms/login", json={"phone": phone, "code": code.group(1)})
    assert signed.status_code == 200, signed.text
    http.client.cookies.clear()
    return {"authorization": f"Bearer {signed.json()['token']}"}, signed.json()["account_id"]


async def test_a_citizen_reads_published_citizen_forms_and_nothing_of_the_operators(
    http: Http, migrated: Settings, cleanup: str, restore: None, admin_sql: psycopg.Connection
) -> None:
    operator, _ = await http.staff(f"op.{cleanup}", COUNTY, [("county_operator", COUNTY, False)])
    base = f"/api/v1/t/{COUNTY}/metadata"
    saved = await http.client.put(f"{base}/draft", json=OVERLAY, headers=operator)
    assert saved.status_code == 200, saved.text
    published_route = await http.post(f"{base}/publish", operator)
    assert published_route.status_code == 200, published_route.text
    assert (
        await http.client.put(f"{base}/draft", json=OVERLAY, headers=operator)
    ).status_code == 200
    person, account_id = await citizen(http, migrated, cleanup)
    for path in OPERATORS_ONLY + STAFF_ONLY:
        resp = await http.get(f"{base}/{path}", person)
        assert error_of(resp) == (403, "auth.forbidden"), path
        assert f"op.{cleanup}" not in resp.text
    form = await http.get(f"/api/v1/t/{COUNTY}/forms/food_business_license/apply", person)
    assert form.status_code == 200
    staff_form = await http.get(f"/api/v1/t/{COUNTY}/forms/service_item/compile", person)
    assert staff_form.status_code == 404
    # The operator who does the work sees it, history naming them included.
    versions = await http.get(f"{base}/versions", operator)
    assert [v["published_by"] for v in versions.json()] == [f"op.{cleanup}"]
    admin_sql.execute("DELETE FROM accounts WHERE id = %s", (account_id,))


async def test_department_staff_read_the_published_model_but_not_drafts_or_history(
    http: Http, cleanup: str, restore: None
) -> None:
    clerk, _ = await http.staff(f"clerk.{cleanup}", COUNTY, [("window_clerk", COUNTY, False)])
    base = f"/api/v1/t/{COUNTY}/metadata"
    for path in STAFF_ONLY:
        assert (await http.get(f"{base}/{path}", clerk)).status_code == 200, path
    for path in OPERATORS_ONLY:
        assert error_of(await http.get(f"{base}/{path}", clerk)) == (403, "auth.forbidden"), path


async def _set_status(http: Http, action: str, status: str) -> None:
    """Change the county's status as the province would, until the app's worker sees it."""
    async with http.services.unit() as uow:
        await Lifecycle(uow, http.services.directory.changed).change(COUNTY, action)
    async with asyncio.timeout(2):
        while http.platform.directory.tree.node(COUNTY).status != status:  # noqa: ASYNC110
            await asyncio.sleep(0.01)


async def test_a_suspended_tenants_work_cannot_be_changed_but_can_be_read(
    http: Http, cleanup: str, restore: None, installed: TenantTree
) -> None:
    operator, _ = await http.staff(f"op.{cleanup}", COUNTY, [("county_operator", COUNTY, False)])
    base = f"/api/v1/t/{COUNTY}/metadata"
    await _set_status(http, "suspend", "suspended")
    try:
        writes = [
            await http.client.put(f"{base}/draft", json=OVERLAY, headers=operator),
            await http.post(f"{base}/import", operator, json=OVERLAY),
            await http.post(f"{base}/draft/validate", operator),
            await http.post(f"{base}/publish", operator),
            await http.post(f"{base}/rollback", operator),
            await http.client.delete(f"{base}/draft", headers=operator),
        ]
        for resp in writes:
            assert error_of(resp) == (409, "tenant.read_only"), resp.request.url
            assert "暂停" in resp.json()["error"]["message"]
        assert (await http.get(f"{base}/types", operator)).status_code == 200
        assert (await http.get(f"{base}/versions", operator)).status_code == 200
        # The tenant's own administration goes on (an incident may need it).
        assert (await http.get(f"/api/v1/t/{COUNTY}/roles", operator)).status_code == 200
    finally:
        await _set_status(http, "resume", "active")
    saved = await http.client.put(f"{base}/draft", json=OVERLAY, headers=operator)
    assert saved.status_code == 200, saved.text
