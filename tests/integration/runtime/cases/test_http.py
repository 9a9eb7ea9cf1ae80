"""Cases over HTTP: the guard on every new route, the lifecycle, races, inbox, public doors."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.integration.runtime.cases.conftest import CHENGGUAN, purge_cases
from tests.integration.runtime.cases.licensing import DEPT, FoodLicences
from tests.integration.stack import Stack
from tests.integration.staff import make_staff, sign_in
from yiwang.app import Platform, build_platform, create_app
from yiwang.platform.message_log import read_messages
from yiwang.platform.settings import Settings
from yiwang.policy.identity.passwords import HashingParameters, PasswordHashing
from yiwang.tenants.tree import TenantTree

QILIHE = "620103"
CASES = f"/api/v1/t/{CHENGGUAN}/cases"
APPLICATION = {
    "service_item": "SI-0001",
    "form": "application",
    "route": "standard",
    "implementing_department": DEPT,
    "data": {"contact_phone": "13800000000"},
}


@pytest.fixture
async def app(
    migrated: Settings, installed: TenantTree
) -> AsyncIterator[tuple[Litestar, Platform]]:
    platform = build_platform(
        migrated, hashing=PasswordHashing(HashingParameters.for_tests()), policy_poll_seconds=0.2
    )
    yield create_app(platform=platform), platform


@pytest.fixture
def citizens(admin_sql: psycopg.Connection, cleanup: str) -> Iterator[list[tuple[int, str]]]:
    """Citizens signed in by SMS (their logins are masked phone numbers, not the tag):
    their cases and accounts are removed afterwards."""
    made: list[tuple[int, str]] = []
    yield made
    for account_id, submitter in made:
        purge_cases(admin_sql, submitter)
        admin_sql.execute("DELETE FROM accounts WHERE id = %s", (account_id,))


async def _citizen(
    services: Stack,
    tmp_path: Path,
    made: list[tuple[int, str]],
    tag: str,
    n: int,
    phone: str | None = None,
) -> tuple[dict[str, str], str]:
    """A citizen signed in by SMS: their headers and the submitter their cases name."""
    phone = phone or "13" + str(n) + str(int(tag, 16) % 10**8).zfill(8)
    await services.run(services.login.request_sms_code, phone, ip="10.9.9.9")
    text = read_messages(tmp_path / "sms.log")[-1]["text"]
    code = text.split("验证码为 ")[1][:6]
    signed = await services.run(services.login.sms_login, phone, code, ip="10.9.9.9")
    submitter = f"account:{signed.account_id}"
    made.append((signed.account_id, submitter))
    return {"authorization": f"Bearer {signed.token}"}, submitter


async def _staff(
    client: AsyncTestClient[Litestar],
    services: Stack,
    platform: Platform,
    login: str,
    role: str,
    tenant: str = CHENGGUAN,
) -> dict[str, str]:
    secret = await make_staff(services, login, tenant, [(role, tenant, False)], department=DEPT)
    async with asyncio.timeout(3):
        while platform.policy.sync.holder.version < services.sync.holder.version:  # noqa: ASYNC110
            await asyncio.sleep(0.01)
    return await sign_in(client, login, secret)


async def test_lifecycle_guard_and_race_over_http(
    app: Any,
    services: Stack,
    cleanup: str,
    citizens: list[tuple[int, str]],
    tmp_path: Path,
) -> None:
    litestar_app, platform = app
    tag = cleanup
    async with AsyncTestClient(app=litestar_app) as client:
        applicant, applicant_id = await _citizen(services, tmp_path, citizens, tag, 5)
        other, _ = await _citizen(services, tmp_path, citizens, tag, 6)
        clerk = await _staff(client, services, platform, f"clerk.{tag}", "window_clerk")
        r1 = await _staff(client, services, platform, f"rev1.{tag}", "dept_reviewer")
        r2 = await _staff(client, services, platform, f"rev2.{tag}", "dept_reviewer")
        leader = await _staff(client, services, platform, f"lead.{tag}", "dept_leader")
        outsider = await _staff(client, services, platform, f"qlh.{tag}", "window_clerk", QILIHE)

        client.cookies.clear()  # from here on, only the bearer tokens speak
        # anonymous: nothing
        assert (await client.post(CASES, json=APPLICATION)).status_code == 401
        opened = await client.post(CASES, json=APPLICATION, headers=applicant)
        assert opened.status_code == 201, opened.text
        number = opened.json()["number"]
        case = f"{CASES}/{number}"
        assert (await client.get(case)).status_code == 401
        assert (await client.get(f"/api/v1/t/{CHENGGUAN}/inbox")).status_code == 401
        assert (await client.post(f"{case}/actions", json={"action": "accept"})).status_code == 401

        # the applicant reads their own case; another citizen learns nothing
        mine = await client.get(case, headers=applicant)
        assert mine.status_code == 200 and mine.json()["submitter"] == applicant_id
        assert (await client.get(case, headers=other)).status_code == 404
        # citizens cannot act as staff
        refused = await client.post(f"{case}/actions", json={"action": "accept"}, headers=applicant)
        assert refused.status_code == 403
        # a clerk of another tenant: the tenant is not theirs to see
        for method, path, body in (
            ("get", case, None),
            ("post", f"{case}/actions", {"action": "accept"}),
            ("get", f"/api/v1/t/{CHENGGUAN}/inbox", None),
            ("post", CASES, APPLICATION),
        ):
            resp = await getattr(client, method)(
                path, headers=outsider, **({"json": body} if body else {})
            )
            assert resp.status_code == 404, (path, resp.text)

        # a reviewer may not accept: clear error, nothing changed
        wrong = await client.post(f"{case}/actions", json={"action": "accept"}, headers=r1)
        assert wrong.status_code == 403 and wrong.json()["error"]["code"] == "routes.role_required"
        bad = await client.post(f"{case}/actions", json={"action": "fly"}, headers=clerk)
        assert bad.status_code == 422 and bad.json()["error"]["code"] == "cases.action_invalid"
        assert (await client.get(case, headers=applicant)).json()["version"] == opened.json()[
            "version"
        ]

        accepted = await client.post(f"{case}/actions", json={"action": "accept"}, headers=clerk)
        assert accepted.status_code == 200, accepted.text
        inbox = await client.get(f"/api/v1/t/{CHENGGUAN}/inbox", headers=r1)
        assert inbox.status_code == 200
        mine_tasks = [t for t in inbox.json() if t["number"] == number]
        assert [t["task"] for t in mine_tasks] == ["review"]
        # the standard route's review step has no limit of its own, nor the route a promise
        assert mine_tasks[0]["due_on"] is None and mine_tasks[0]["colour"] is None

        # two reviewers race on the single review task: one wins, one gets a clear conflict
        body = {"action": "approve", "task": "review"}
        first, second = await asyncio.gather(
            client.post(f"{case}/actions", json=body, headers=r1),
            client.post(f"{case}/actions", json=body, headers=r2),
        )
        statuses = sorted([first.status_code, second.status_code])
        assert statuses == [200, 409], (first.text, second.text)
        loser = first if first.status_code == 409 else second
        assert loser.json()["error"]["code"] == "routes.task_closed"

        decided = await client.post(
            f"{case}/actions",
            json={"action": "decide", "outcome": "approved", "legal_basis": "《行政许可法》"},
            headers=leader,
        )
        assert decided.status_code == 200, decided.text
        done = await client.post(f"{case}/actions", json={"action": "complete"}, headers=clerk)
        assert done.status_code == 200 and done.json()["status"] == "completed"
        view = (await client.get(case, headers=applicant)).json()
        assert [e["kind"] for e in view["timeline"]].count("approved") == 1
        assert view["timeline"][-1]["kind"] == "completed"

        # withdrawal is the applicant's alone
        second_case = (await client.post(CASES, json=APPLICATION, headers=applicant)).json()
        path = f"{CASES}/{second_case['number']}/withdraw"
        by_clerk = await client.post(path, json={"reason": "x"}, headers=clerk)
        assert by_clerk.status_code == 403
        assert by_clerk.json()["error"]["code"] == "routes.applicant_only"
        assert (
            await client.post(path, json={"reason": "不办了"}, headers=other)
        ).status_code == 403
        withdrawn = await client.post(path, json={"reason": "不办了"}, headers=applicant)
        assert withdrawn.status_code == 200 and withdrawn.json()["status"] == "withdrawn"


async def test_public_bpmn_of_a_published_route(app: Any) -> None:
    litestar_app, _ = app
    async with AsyncTestClient(app=litestar_app) as client:
        resp = await client.get(
            f"/api/v1/t/{CHENGGUAN}/routes/food_business_license/licensing/bpmn"
        )
        assert resp.status_code == 200, resp.text
        assert resp.headers["content-type"].startswith("application/xml")
        assert "<bpmndi:BPMNDiagram" in resp.text and "窗口受理" in resp.text
        # staff-internal item types are not a service's guide
        internal = await client.get(f"/api/v1/t/{CHENGGUAN}/routes/application/standard/bpmn")
        assert internal.status_code == 404
        unknown = await client.get(f"/api/v1/t/{CHENGGUAN}/routes/food_business_license/nope/bpmn")
        assert unknown.status_code == 404


async def test_completion_issues_a_licence_verified_publicly_and_revoked(
    app: Any,
    services: Stack,
    cleanup: str,
    installed: TenantTree,
    sessions: async_sessionmaker[AsyncSession],
    admin_sql: psycopg.Connection,
) -> None:
    """A licence issued by a completed case (driven through the service: see `licensing`)
    is verified publicly; its revocation goes over HTTP."""
    litestar_app, platform = app
    tag = cleanup
    licences = FoodLicences(platform, installed, sessions, admin_sql)
    try:
        async with AsyncTestClient(app=litestar_app) as client:
            leader = await _staff(client, services, platform, f"lead.{tag}", "dept_leader")
            client.cookies.clear()  # only the bearer token speaks
            view = await licences.view(await licences.completed(f"citizen-{tag}", tag))
            assert view.status == "completed" and len(view.certificates) == 1
            identifier = view.certificates[0]
            assert identifier.startswith("1.2.156.3005.2.11100000MB0143028R002.11620102MB1234567B.")
            verify = f"/api/v1/certificates/verify/{identifier}"
            valid = await client.get(verify)
            assert valid.status_code == 200, valid.text
            assert valid.json()["valid"] is True and valid.json()["verdict"] == "valid"
            revoke = f"/api/v1/t/{CHENGGUAN}/certificates/{identifier}/revoke"
            assert (await client.post(revoke, json={"reason": "x"})).status_code == 401
            blank = await client.post(revoke, json={"reason": " "}, headers=leader)
            assert blank.status_code == 422
            revoked = await client.post(revoke, json={"reason": "申请人申请注销"}, headers=leader)
            assert revoked.status_code == 200, revoked.text
            assert revoked.json()["valid"] is False
            after = (await client.get(verify)).json()
            assert after["valid"] is False and after["verdict"] == "revoked"
            again = await client.post(revoke, json={"reason": "再次"}, headers=leader)
            assert again.status_code == 409
            audited = admin_sql.execute(
                "SELECT action FROM audit_log WHERE object_id = %s ORDER BY seq", (identifier,)
            ).fetchall()
            assert [a[0] for a in audited] == ["certificate.issue", "certificate.revoke"]
            row = admin_sql.execute(
                "SELECT status, revoked_reason FROM case_certificates WHERE identifier = %s",
                (identifier,),
            ).fetchone()
            assert row is not None and tuple(row) == ("revoked", "申请人申请注销")
    finally:
        purge_cases(admin_sql, f"%{tag}%")


async def test_two_citizens_whose_masked_logins_agree_see_only_their_own_cases(
    app: Any,
    services: Stack,
    citizens: list[tuple[int, str]],
    tmp_path: Path,
    cleanup: str,
) -> None:
    """A citizen's login is the masked phone (139****1234): two people share it. The case
    knows its applicant by account, so the second one learns nothing of the first's."""
    litestar_app, _ = app
    middle = int(cleanup, 16) % 10**4
    first_phone, second_phone = f"139{middle:04d}1234", f"139{(middle + 1) % 10**4:04d}1234"
    async with AsyncTestClient(app=litestar_app) as client:
        first, first_id = await _citizen(services, tmp_path, citizens, cleanup, 0, first_phone)
        second, second_id = await _citizen(services, tmp_path, citizens, cleanup, 0, second_phone)
        assert first_id != second_id
        opened = await client.post(CASES, json=APPLICATION, headers=first)
        assert opened.status_code == 201, opened.text
        case = f"{CASES}/{opened.json()['number']}"
        assert (await client.get(case, headers=second)).status_code == 404
        withdrawn = await client.post(f"{case}/withdraw", json={"reason": "不办了"}, headers=second)
        assert withdrawn.json()["error"]["code"] == "routes.applicant_only"
        mine = (await client.get(case, headers=first)).json()
        assert (mine["submitter"], mine["status"]) == (first_id, "submitted")
