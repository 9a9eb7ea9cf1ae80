"""The records API over HTTP, as the guard decides it: who reaches which route, headers
for versions and idempotency, personal data, departments and list errors."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.integration.http_client import client_for
from tests.integration.runtime.conftest import special_fund
from tests.integration.runtime.test_records import APPLICANT, BUSINESS
from tests.integration.stack import Stack
from tests.integration.staff import make_staff, sign_in
from yiwang.platform.message_log import read_messages
from yiwang.platform.settings import Settings

Client = AsyncTestClient[Litestar]


@pytest.fixture
async def client(migrated: Settings, samples: dict[str, Any]) -> AsyncIterator[Client]:
    async with client_for(migrated) as made:
        yield made


async def _citizen(services: Stack, tmp_path: Path, tag: str) -> dict[str, str]:
    phone = "137" + str(int(tag, 16) % 10**8).zfill(8)
    await services.run(services.login.request_sms_code, phone, ip="10.2.0.1")
    code = re.search(r"验证码为 (\d{6})", read_messages(tmp_path / "sms.log")[-1]["text"])
    assert code is not None
    signed = await services.run(services.login.sms_login, phone, code.group(1), ip="10.2.0.1")
    return {"authorization": f"Bearer {signed.token}"}


async def _staff(
    services: Stack,
    client: Client,
    login: str,
    tenant: str,
    grants: list[tuple[str, str, bool]],
    department: str | None = None,
) -> dict[str, str]:
    """Bearer headers of a new staff member; the client keeps no cookie of theirs, so a
    request without the headers is anonymous."""
    secret = await make_staff(services, login, tenant, grants, department)
    headers = await sign_in(client, login, secret)
    client.cookies.clear()
    return headers


def _routes(record_id: int, service_id: int) -> list[tuple[str, str]]:
    base = "/api/v1/t/620102/records/special_fund"
    return [
        ("GET", base),
        ("POST", base),
        ("GET", f"{base}/{record_id}"),
        ("PUT", f"{base}/{record_id}"),
        ("DELETE", f"{base}/{record_id}"),
        ("POST", f"{base}/{record_id}/restore"),
        ("GET", f"{base}/{record_id}/history"),
        ("GET", "/api/v1/t/620102/subtree/records/special_fund"),
        ("POST", f"/api/v1/t/620102/services/{service_id}/applications"),
    ]


async def test_each_route_answers_anonymous_citizen_and_another_region_as_the_guard_decides(
    client: Client,
    services: Stack,
    samples: dict[str, Any],
    cleanup: str,
    tmp_path: Path,
) -> None:
    citizen = await _citizen(services, tmp_path, cleanup)
    other = await _staff(
        services, client, f"jyg.{cleanup}", "620200", [("dept_leader", "620200", True)], "scjgj"
    )
    service_id = samples["individual_business"]
    record_id = samples["individual_business"]
    body = {"data": special_fund("scjgj", 2060)}
    answers: dict[tuple[str, str], tuple[int, int, int]] = {}
    for method, path in _routes(record_id, service_id):
        headers = {"idempotency-key": f"k-{cleanup}-{method}-{len(path)}", "if-match": '"1"'}
        got = []
        for caller in ({}, citizen, other):
            resp = await client.request(method, path, headers={**headers, **caller}, json=body)
            got.append(resp.status_code)
        answers[(method, path)] = (got[0], got[1], got[2])
    apply = ("POST", f"/api/v1/t/620102/services/{service_id}/applications")
    expected = {
        route: (401, 422 if route == apply else 403, 404)
        for route in _routes(record_id, service_id)
    }
    # the citizen may apply (case:write); this body is no application, so it is refused
    assert answers == expected


async def test_a_citizen_applies_and_the_route_fixes_item_form_and_channel(
    client: Client,
    services: Stack,
    samples: dict[str, Any],
    cleanup: str,
    tmp_path: Path,
) -> None:
    citizen = await _citizen(services, tmp_path, cleanup)
    path = f"/api/v1/t/620102/services/{samples['individual_business']}/applications"
    payload = {"data": APPLICANT, "form": BUSINESS}
    missing = await client.post(path, headers=citizen, json=payload)
    assert missing.status_code == 428
    assert missing.json()["error"]["code"] == "records.idempotency_key_required"
    headers = {**citizen, "idempotency-key": f"apply-{cleanup}"}
    made = await client.post(path, headers=headers, json=payload)
    assert made.status_code == 201, made.text
    body = made.json()
    assert body["data"]["channel"] == "online" and body["status"] == "submitted"
    assert body["data"]["service_item"] == str(samples["individual_business"])
    assert made.headers["location"] == f"/api/v1/t/620102/records/application/{body['id']}"
    again = await client.post(path, headers=headers, json=payload)
    assert again.status_code == 201 and again.json() == body
    assert again.headers["idempotent-replayed"] == "true"
    forged = await client.post(
        path,
        headers={**citizen, "idempotency-key": f"forged-{cleanup}"},
        json={"data": {**APPLICANT, "channel": "window"}, "form": BUSINESS},
    )
    assert forged.status_code == 422
    error = forged.json()["error"]
    assert (error["code"], error["pointer"]) == ("records.platform_filled", "/data/channel")
    # a citizen cannot read records, not even the application just made
    read = await client.get(f"/api/v1/t/620102/records/application/{body['id']}", headers=citizen)
    assert read.status_code == 403


async def test_versions_idempotency_history_and_departments_over_http(
    client: Client, services: Stack, cleanup: str
) -> None:
    leader = await _staff(
        services, client, f"jyt.{cleanup}", "620000", [("dept_leader", "620000", False)], "jyj"
    )
    base = "/api/v1/t/620000/records/special_fund"
    body = {"data": special_fund("jyj", 2061, n=int(cleanup, 16) % 1000)}
    key = {"idempotency-key": f"fund-{cleanup}"}
    made = await client.post(base, headers={**leader, **key}, json=body)
    assert made.status_code == 201, made.text
    assert made.headers["etag"] == '"1"'
    record = made.json()
    url = f"{base}/{record['id']}"
    mismatch = await client.post(
        base, headers={**leader, **key}, json={"data": {**body["data"], "fund_name": "另一份"}}
    )
    assert (mismatch.status_code, mismatch.json()["error"]["code"]) == (
        422,
        "records.idempotency_mismatch",
    )
    changed = {"data": {**record["data"], "fund_name": "修改后的名称"}}
    no_version = await client.put(url, headers=leader, json=changed)
    assert (no_version.status_code, no_version.json()["error"]["code"]) == (
        428,
        "records.version_required",
    )
    updated = await client.put(url, headers={**leader, "if-match": '"1"'}, json=changed)
    assert updated.status_code == 200 and updated.headers["etag"] == '"2"'
    stale = await client.put(url, headers={**leader, "if-match": '"1"'}, json=changed)
    assert (stale.status_code, stale.json()["error"]["code"]) == (409, "records.stale")
    removed = await client.delete(url, headers={**leader, "if-match": '"2"'})
    assert removed.status_code == 200 and removed.json()["deleted_at"] is not None
    history = await client.get(f"{url}/history", headers=leader)
    assert [h["action"] for h in history.json()] == ["create", "update", "delete"]
    other = await client.post(
        base,
        headers={**leader, "idempotency-key": f"other-{cleanup}"},
        json={"data": special_fund("fgw", 2061)},
    )
    assert (other.status_code, other.json()["error"]["code"]) == (403, "records.other_department")
    page = await client.get(base, headers=leader, params={"filter.fiscal_year": "2061"})
    assert page.status_code == 200
    assert {item["department"] for item in page.json()["items"]} <= {"jyj"}
    bad = await client.get(
        base, headers=leader, params={"filter.management_rules": "x", "sort": "bogus"}
    )
    assert bad.status_code == 422
    errors = bad.json()["error"]["errors"]
    assert {(e["code"], e["pointer"]) for e in errors} == {
        ("lists.filter_not_allowed", "/filter.management_rules"),
        ("lists.sort_not_allowed", "/sort"),
    }


async def test_personal_data_in_full_needs_the_permission_and_is_audited(
    client: Client,
    services: Stack,
    samples: dict[str, Any],
    cleanup: str,
    admin_sql: psycopg.Connection,
) -> None:
    clerk = await _staff(
        services, client, f"clerk.{cleanup}", "620102", [("window_clerk", "620102", False)], "scjgj"
    )
    operator = await _staff(
        services, client, f"op.{cleanup}", "620102", [("county_operator", "620102", False)]
    )
    path = f"/api/v1/t/620102/services/{samples['individual_business']}/applications"
    made = await client.post(
        path,
        headers={**clerk, "idempotency-key": f"window-{cleanup}"},
        json={"data": APPLICANT, "form": BUSINESS},
    )
    assert made.status_code == 201, made.text
    assert made.json()["data"]["channel"] == "window"
    url = f"/api/v1/t/620102/records/application/{made.json()['id']}"
    masked = await client.get(url, headers=operator)
    assert masked.status_code == 200 and masked.json()["data"]["applicant_name"] == "张*丰"
    refused = await client.get(url, headers=operator, params={"personal": "full"})
    assert (refused.status_code, refused.json()["error"]["code"]) == (403, "records.pii_forbidden")
    full = await client.get(url, headers=clerk, params={"personal": "full"})
    assert full.status_code == 200 and full.json()["data"]["applicant_name"] == "张三丰"
    audited = admin_sql.execute(
        "SELECT actor FROM audit_log WHERE action = 'record.pii_revealed' AND object_id = %s",
        (f"application/{made.json()['id']}",),
    ).fetchall()
    assert audited == [(f"clerk.{cleanup}",)]
    listed = await client.get(
        "/api/v1/t/620102/records/application",
        headers=operator,
        params={"filter.channel": "window", "limit": "200"},
    )
    names = {i["values"]["applicant_name"] for i in listed.json()["items"]}
    assert "张三丰" not in names and "张*丰" in names


async def test_the_province_lists_its_subtree(
    client: Client, services: Stack, cleanup: str, samples: dict[str, Any]
) -> None:
    supervisor = await _staff(
        services,
        client,
        f"sup.{cleanup}",
        "620000",
        [("province_supervisor", "620000", True)],
    )
    page = await client.get(
        "/api/v1/t/620000/subtree/records/service_item",
        headers=supervisor,
        params={"view": "public_index", "limit": "3"},
    )
    assert page.status_code == 200, page.text
    first = page.json()
    assert len(first["items"]) == 3 and first["next_cursor"]
    tenants = {i["tenant"] for i in first["items"]}
    rest = await client.get(
        "/api/v1/t/620000/subtree/records/service_item",
        headers=supervisor,
        params={"view": "public_index", "limit": "200", "cursor": first["next_cursor"]},
    )
    names = [i["values"]["task_name"] for i in first["items"] + rest.json()["items"]]
    assert names == sorted(names)  # the view's order, across tenants
    tenants |= {i["tenant"] for i in rest.json()["items"]}
    assert {"620000", "620102"} <= tenants
    own = await client.get("/api/v1/t/620000/records/service_item", headers=supervisor)
    assert {i["tenant"] for i in own.json()["items"]} == {"620000"}
