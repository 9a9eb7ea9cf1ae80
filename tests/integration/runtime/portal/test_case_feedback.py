"""From the case page: a 补正 answered with a new file, 好差评 once, complaints and questions,
what changed since the citizen last looked; and the citizen's JSON routes beside them.

The citizen signs in through the pages (cookies, CSRF); staff act through the staff
API from a client of their own, as a clerk's browser would."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from bs4 import BeautifulSoup

from tests.integration.http_client import client_for
from tests.integration.runtime.cases.conftest import FOOD_APPLICATION
from tests.integration.runtime.cases.licensing import DEPT
from tests.integration.runtime.portal.signing import (
    CHENGGUAN,
    HTML,
    MY_CASES,
    Client,
    csrf,
    field_error,
    sign_in,
)
from tests.integration.security.people import phone_for
from tests.integration.stack import Stack
from tests.integration.staff import make_staff
from tests.integration.staff import sign_in as staff_sign_in
from tests.unit.runtime.attachments.samples import html, png
from yiwang.platform.i18n import translate
from yiwang.platform.settings import Settings
from yiwang.tenants.tree import TenantTree

CASES = f"/api/v1/t/{CHENGGUAN}/cases"
STANDARD = {
    "service_item": "SI-0001",
    "form": "application",
    "route": "standard",
    "implementing_department": DEPT,
    "data": {"contact_phone": "13800000000"},
}


@pytest.fixture
async def staff_client(
    migrated: Settings, installed: TenantTree, tmp_path: Path
) -> AsyncIterator[Client]:
    async with client_for(migrated, var_dir=tmp_path / "staff") as made:
        yield made


async def _staff(client: Client, services: Stack, login: str, role: str) -> dict[str, str]:
    secret = await make_staff(services, login, CHENGGUAN, [(role, CHENGGUAN, False)], DEPT)
    headers = await staff_sign_in(client, login, secret)
    client.cookies.clear()  # only the bearer token speaks
    async with asyncio.timeout(5):  # until this process's policy holder has the grant
        while (  # noqa: ASYNC110
            await client.get(f"/api/v1/t/{CHENGGUAN}/inbox", headers=headers)
        ).status_code != 200:
            await asyncio.sleep(0.05)
    return headers


async def _open(client: Client, application: dict[str, Any]) -> str:
    opened = await client.post(CASES, json=application, headers={"x-csrf-token": csrf(client)})
    assert opened.status_code == 201, opened.text
    return str(opened.json()["number"])


async def _act(client: Client, headers: dict[str, str], number: str, **action: Any) -> None:
    done = await client.post(f"{CASES}/{number}/actions", json=action, headers=headers)
    assert done.status_code == 200, done.text


def _soup(text: str) -> BeautifulSoup:
    return BeautifulSoup(text, "html.parser")


def _changes(text: str) -> list[str]:
    section = _soup(text).find(id="changes")
    assert section is not None
    return [li.get_text(strip=True) for li in section.find_all("li")]


async def test_a_supplement_is_answered_with_a_new_file_and_the_clock_resumes(
    client: Client,
    staff_client: Client,
    services: Stack,
    tmp_path: Path,
    cleanup: str,
    accounts: list[int],
) -> None:
    await sign_in(client, tmp_path, phone_for(cleanup, 31), accounts)
    number = await _open(client, FOOD_APPLICATION)
    page_url = f"{MY_CASES}/{number}"
    first = await client.get(page_url, headers=HTML)
    assert first.status_code == 200
    assert _soup(first.text).find(id="supplement-title") is None
    assert "yiwang_seen=" in first.headers["set-cookie"]
    assert _changes(first.text) == []  # the citizen's own submission is no news to them

    clerk = await _staff(staff_client, services, f"clerk.{cleanup}", "window_clerk")
    await _act(
        staff_client,
        clerk,
        number,
        action="request_supplement",
        missing=["经营场所平面布局图"],
        comment="平面图不清晰",
    )
    listing = await client.get(MY_CASES, headers=HTML)
    assert _changes(listing.text) == [f"办件 {number}：待补正"]
    polled = await client.get(f"{page_url}?poll=1", headers=HTML)
    assert "set-cookie" not in polled.headers  # the poll is not looking
    page = await client.get(page_url, headers=HTML)
    soup = _soup(page.text)
    assert [li.get_text() for li in soup.select("ul.missing li")] == ["经营场所平面布局图"]
    assert "说明：平面图不清晰" in soup.find(id="supplement-title").parent.get_text()
    assert [c.split("进展：")[-1] for c in _changes(page.text)] == ["需要补正材料"]
    assert _changes((await client.get(MY_CASES, headers=HTML)).text) == []  # now seen
    assert soup.find(id="file-layout_plan") is not None

    resubmit = f"{page_url}/resubmit"
    files = {"file.layout_plan": ("平面图.png", png(), "image/png")}
    forged = await client.post(resubmit, data={"comment": "x"}, files=files, headers=HTML)
    assert forged.status_code == 403
    disguised = await client.post(
        resubmit,
        data={"comment": "已补充", "_csrf": csrf(client)},
        files={"file.layout_plan": ("平面图.png", html(), "image/png")},
        headers=HTML,
    )
    assert disguised.status_code == 422
    assert field_error(disguised.text, "file-layout_plan") == translate(
        "attachments.rejected.type_mismatch"
    )
    assert _soup(disguised.text).find(id="comment").get_text() == "已补充"
    state = (await client.get(f"{CASES}/{number}")).json()
    assert state["status"] == "supplement_requested"

    sent = await client.post(
        resubmit,
        data={"comment": "已补充平面图", "_csrf": csrf(client)},
        files=files,
        headers=HTML,
        follow_redirects=False,
    )
    assert sent.status_code == 303, sent.text
    assert sent.headers["location"] == f"{page_url}?done=resubmitted"
    view = (await client.get(f"{CASES}/{number}")).json()
    assert view["status"] == "submitted"
    resubmitted = [e for e in view["timeline"] if e["kind"] == "resubmitted"]
    assert len(resubmitted) == 1 and resubmitted[0]["comment"] == "已补充平面图"
    [key] = resubmitted[0]["attachments"]
    assert key.startswith("t/") and "/attachments/" in key
    assert resubmitted[0]["data"]["clock"] == "resumed"
    after = await client.get(sent.headers["location"], headers=HTML)
    assert translate("portal.my.done.resubmitted") in after.text
    assert _soup(after.text).find(id="supplement-title") is None

    # another citizen: the case, its 补正 and its feedback routes are not found
    client.cookies.clear()
    await sign_in(client, tmp_path, phone_for(cleanup, 32), accounts)
    token = {"x-csrf-token": csrf(client)}
    assert (await client.get(page_url, headers=HTML)).status_code == 404
    steal = await client.post(resubmit, data={"_csrf": csrf(client)}, files=files, headers=HTML)
    assert steal.status_code == 404
    rate = await client.post(f"{CASES}/{number}/evaluation", json={"grade": 1}, headers=token)
    assert rate.status_code == 404
    complain = await client.post(
        f"{CASES}/{number}/complaints", json={"content": "x"}, headers=token
    )
    assert complain.status_code == 404


async def test_rating_once_after_completion_complaints_and_questions(
    client: Client,
    staff_client: Client,
    services: Stack,
    tmp_path: Path,
    cleanup: str,
    accounts: list[int],
    admin_sql: psycopg.Connection,
) -> None:
    await sign_in(client, tmp_path, phone_for(cleanup, 33), accounts)
    number = await _open(client, STANDARD)
    page_url = f"{MY_CASES}/{number}"
    token = {"x-csrf-token": csrf(client)}

    # before the end: no rating form; a post is refused on the page and over the API
    assert _soup((await client.get(page_url, headers=HTML)).text).find(id="rating-title") is None
    early = await client.post(
        f"{page_url}/evaluation", data={"grade": "5", "_csrf": csrf(client)}, headers=HTML
    )
    assert early.status_code == 409
    assert _soup(early.text).find(class_="form-error").get_text() == translate(
        "applications.feedback.not_ended"
    )
    api_early = await client.post(f"{CASES}/{number}/evaluation", json={"grade": 5}, headers=token)
    assert api_early.status_code == 409
    assert api_early.json()["error"]["code"] == "applications.feedback.not_ended"

    # a question and a complaint, on the page and over the API
    blank = await client.post(
        f"{page_url}/complaints", data={"kind": "question", "_csrf": csrf(client)}, headers=HTML
    )
    assert blank.status_code == 422
    assert field_error(blank.text, "content") == translate("portal.my.content_required")
    asked = await client.post(
        f"{page_url}/complaints",
        data={"kind": "question", "content": "请问多久办结？", "_csrf": csrf(client)},
        headers=HTML,
        follow_redirects=False,
    )
    assert asked.status_code == 303 and asked.headers["location"] == f"{page_url}?done=question"
    complained = await client.post(
        f"{CASES}/{number}/complaints", json={"content": "窗口态度不好"}, headers=token
    )
    assert complained.status_code == 201, complained.text
    assert complained.json()["kind"] == "complaint"
    api_question = await client.post(
        f"{CASES}/{number}/complaints",
        json={"content": "需要带原件吗？", "kind": "question"},
        headers=token,
    )
    assert api_question.status_code == 201, api_question.text
    assert api_question.json()["kind"] == "question"
    bad_kind = await client.post(
        f"{CASES}/{number}/complaints", json={"content": "x", "kind": "praise"}, headers=token
    )
    assert bad_kind.status_code == 400
    rows = admin_sql.execute(
        "SELECT kind, content FROM supervision_complaints WHERE case_id ="
        " (SELECT id FROM cases WHERE number = %s) ORDER BY id",
        (number,),
    ).fetchall()
    assert rows == [
        ("question", "请问多久办结？"),
        ("complaint", "窗口态度不好"),
        ("question", "需要带原件吗？"),
    ]

    clerk = await _staff(staff_client, services, f"clerk.{cleanup}", "window_clerk")
    reviewer = await _staff(staff_client, services, f"rev.{cleanup}", "dept_reviewer")
    leader = await _staff(staff_client, services, f"lead.{cleanup}", "dept_leader")
    await _act(staff_client, clerk, number, action="accept")
    await _act(staff_client, reviewer, number, action="approve", task="review")
    await _act(
        staff_client,
        leader,
        number,
        action="decide",
        outcome="approved",
        legal_basis="《行政许可法》",
    )
    await _act(staff_client, clerk, number, action="complete")

    listing = await client.get(MY_CASES, headers=HTML)
    assert _changes(listing.text) == [f"办件 {number}：已办结"]
    page = await client.get(page_url, headers=HTML)
    assert _soup(page.text).find(id="rating-title") is not None
    wrong = await client.post(
        f"{page_url}/evaluation",
        data={"grade": "9", "rating_comment": "很好", "_csrf": csrf(client)},
        headers=HTML,
    )
    assert wrong.status_code == 422
    assert field_error(wrong.text, "grade") == translate("portal.my.grade_required")
    assert _soup(wrong.text).find(id="rating_comment").get_text() == "很好"
    rated = await client.post(
        f"{page_url}/evaluation",
        data={"grade": "5", "rating_comment": "很好", "_csrf": csrf(client)},
        headers=HTML,
        follow_redirects=False,
    )
    assert rated.status_code == 303 and rated.headers["location"] == f"{page_url}?done=rated"
    shown = await client.get(rated.headers["location"], headers=HTML)
    assert translate("portal.rating.given", grade="非常满意") in shown.text
    assert _soup(shown.text).find(id="grade-5") is None  # no second form

    again = await client.post(
        f"{page_url}/evaluation", data={"grade": "1", "_csrf": csrf(client)}, headers=HTML
    )
    assert again.status_code == 409
    assert _soup(again.text).find(class_="form-error").get_text() == translate(
        "applications.feedback.rated_twice", number=number
    )
    api_again = await client.post(f"{CASES}/{number}/evaluation", json={"grade": 1}, headers=token)
    assert api_again.status_code == 409
    assert api_again.json()["error"]["code"] == "applications.feedback.rated_twice"
    grades = admin_sql.execute(
        "SELECT grade, comment FROM supervision_evaluations WHERE case_id ="
        " (SELECT id FROM cases WHERE number = %s)",
        (number,),
    ).fetchall()
    assert grades == [(5, "很好")]
