"""The staff console over HTTP against the real services: signing in and out, the list
of tenants, the inbox with its filters and pages, and handling a case through its forms.

Every refusal is checked to change nothing: the case's version stays where it was."""

from __future__ import annotations

import asyncio
import re

from tests.integration.runtime.console.conftest import (
    CHENGGUAN,
    HTML,
    QILIHE,
    Console,
    text_of,
)
from tests.integration.staff import PASSWORD, totp_code
from yiwang.platform.i18n import translate

INBOX = f"/console/t/{CHENGGUAN}/inbox"


def case_path(number: str) -> str:
    return f"/console/t/{CHENGGUAN}/cases/{number}"


async def _version(console: Console, citizen: dict[str, str], number: str) -> int:
    resp = await console.client.get(f"/api/v1/t/{CHENGGUAN}/cases/{number}", headers=citizen)
    assert resp.status_code == 200, resp.text
    return int(resp.json()["version"])


async def test_anonymous_browsers_are_sent_to_sign_in_and_api_callers_get_401(
    console: Console,
) -> None:
    home = await console.page("/console/")
    assert home.status_code == 303 and home.headers["location"] == "/console/signin?next=/console/"
    inbox = await console.page(INBOX)
    assert inbox.status_code == 303
    assert inbox.headers["location"] == f"/console/signin?next={INBOX}"
    as_json = await console.client.get(INBOX, headers={"accept": "application/json"})
    assert as_json.status_code == 401 and as_json.json()["error"]["code"] == "auth.required"
    form = await console.page("/console/signin")
    assert form.status_code == 200
    assert 'name="totp"' in form.text and 'autocomplete="one-time-code"' in form.text


async def test_sign_in_gives_one_answer_lists_tenants_and_signs_out(console: Console) -> None:
    cookies = await console.staff("clerk", "window_clerk")
    login = f"clerk.{console.tag}"
    # every failure is the API's one answer, the account kept, the password not
    failed = translate("identity.login_failed", minutes=15)
    api = await console.client.post(
        "/api/v1/auth/login", json={"login": login, "password": "wrong-password", "totp": ""}
    )
    assert api.status_code == 401 and api.json()["error"]["message"] == failed
    for password, totp in ((PASSWORD, "000000"), ("wrong-password", "")):
        console.client.cookies.clear()
        refused = await console.sign_in(login, password, totp)
        assert refused.status_code == 401, refused.text
        assert failed in text_of(refused.text)
        assert f'value="{login}"' in refused.text and password not in refused.text
    # and the same throttle: the API's failure and the page's count together
    console.client.cookies.clear()
    throttled = await console.sign_in(login, PASSWORD, "")
    assert throttled.status_code == 429, throttled.text
    assert 'role="alert"' in throttled.text
    console.client.cookies.clear()

    home = await console.page("/console/", cookies)
    assert home.status_code == 200, home.text
    page = text_of(home.text)
    assert "城关区" in page and "窗口受理员" in page
    assert f'href="{INBOX}"' in home.text
    # the menu is the one data list, showing only what the clerk's role opens: the inbox,
    # not the supervision dashboard or the model editor (test_menu_and_own_tenant.py
    # shows the entries to those whose roles grant them)
    assert f'href="/console/t/{CHENGGUAN}/supervision"' not in home.text  # no tenant yet
    inbox = await console.page(INBOX, cookies)
    assert f'href="{INBOX}"' in inbox.text and 'aria-current="page"' in inbox.text
    assert f'href="/console/t/{CHENGGUAN}/supervision"' not in inbox.text
    assert f'href="/console/t/{CHENGGUAN}/model"' not in inbox.text

    # sign-out needs the CSRF token, then ends the session
    forged = await console.post("/console/signout", cookies, {}, csrf=False)
    assert forged.status_code == 403
    assert (await console.page("/console/", cookies)).status_code == 200
    out = await console.post("/console/signout", cookies, {})
    assert out.status_code == 303 and out.headers["location"] == "/console/signin?done=signed_out"
    assert (await console.page("/console/", cookies)).status_code == 303


async def test_next_is_kept_only_inside_the_console(console: Console) -> None:
    cookies = await console.staff("clerk", "window_clerk")
    assert cookies
    login = f"clerk.{console.tag}"
    # signed in once already; again with each `next`
    for wanted, expected in (
        (INBOX, INBOX),
        ("//evil.example/console/", "/console/"),
        ("https://evil.example/", "/console/"),
        ("/api/v1/me", "/console/"),
    ):
        console.client.cookies.clear()
        done = await console.sign_in(login, PASSWORD, totp_code(console.secrets[login]), wanted)
        assert done.status_code == 303, done.text
        assert done.headers["location"] == expected


async def test_citizens_get_403_and_other_tenants_staff_404_as_pages(console: Console) -> None:
    citizen = await console.citizen()
    number = await console.open_case(citizen)
    outsider = await console.staff("outsider", "window_clerk", QILIHE)
    for path in (INBOX, case_path(number)):
        refused = await console.client.get(path, headers={**HTML, **citizen})
        assert refused.status_code == 403, refused.text
        assert "<main" in refused.text and translate("web.error.403") in refused.text
        hidden = await console.page(path, outsider)
        assert hidden.status_code == 404, hidden.text
        assert "<main" in hidden.text and number not in hidden.text
    posted = await console.post(f"{case_path(number)}/actions", outsider, {"action": "accept"})
    assert posted.status_code == 404
    # the entry page reads the session cookie itself, as a browser sends it
    token = citizen["authorization"].removeprefix("Bearer ")
    home = await console.page("/console/", {"yiwang_session": token})
    assert home.status_code == 403 and translate("console.not_staff") in text_of(home.text)
    assert await _version(console, citizen, number) == 1


async def test_the_inbox_filters_pages_and_links_each_task(console: Console) -> None:
    citizen = await console.citizen()
    numbers = [await console.open_case(citizen) for _ in range(2)]
    clerk = await console.staff("clerk", "window_clerk")
    page = await console.page(INBOX, clerk)
    assert page.status_code == 200, page.text
    for number in numbers:
        assert f'href="{case_path(number)}"' in page.text
    # the accept step has a limit of one working day: each row names its colour in words
    assert translate("cases.colour.green") in text_of(page.text)
    assert "colour-green" in page.text
    by_step = await console.page(INBOX, clerk, params={"step": "accept"})
    assert all(f'href="{case_path(n)}"' in by_step.text for n in numbers)
    other_step = await console.page(INBOX, clerk, params={"step": "decide"})
    assert other_step.status_code == 200
    assert not any(case_path(n) in other_step.text for n in numbers)
    assert 'value="decide" selected' in other_step.text
    bad = await console.page(INBOX, clerk, params={"page": "-1"})
    assert bad.status_code == 422
    assert translate("console.inbox.bad_page", max=1000) in text_of(bad.text)
    far = await console.page(INBOX, clerk, params={"page": "999"})
    assert far.status_code == 200 and translate("console.inbox.empty") in text_of(far.text)
    assert 'rel="prev"' in far.text


async def test_handling_a_case_through_its_forms(console: Console) -> None:
    citizen = await console.citizen()
    number = await console.open_case(citizen)
    clerk = await console.staff("clerk", "window_clerk")
    path = case_path(number)
    page = await console.page(path, clerk)
    assert page.status_code == 200, page.text
    shown = text_of(page.text)
    # the form data under the model's labels, the timeline, the time left
    assert "联系电话" in shown and "13800000000" in shown
    assert "当前环节 受理" in " ".join(shown.split())  # the step by its label
    assert translate("portal.event.submitted") in shown
    # the standard route promises no limit of its own: its clock is not running
    assert translate("console.case.no_clock") in shown
    # exactly the acceptance step's actions, for a window clerk: the engine also lets the
    # acceptance be transferred to a department (nobody has voted on it)
    actions = set(re.findall(r'name="action" value="(\w+)"', page.text))
    assert actions == {"accept", "not_accept", "request_supplement", "transfer"}
    url = f"{path}/actions"

    forged = await console.post(url, clerk, {"action": "accept"}, csrf=False)
    assert forged.status_code == 403
    no_reason = await console.post(url, clerk, {"action": "not_accept", "reason": "  "})
    assert no_reason.status_code == 422
    assert translate("routes.reason_required") in text_of(no_reason.text)
    unknown = await console.post(url, clerk, {"action": "fly"})
    assert unknown.status_code == 422
    assert translate("console.case.unknown_action") in text_of(unknown.text)
    too_long = await console.post(url, clerk, {"action": "accept", "comment": "长" * 1001})
    assert too_long.status_code == 422
    # a reviewer may not accept: the engine's refusal, on the page
    reviewer = await console.staff("reviewer", "dept_reviewer")
    wrong = await console.post(url, reviewer, {"action": "accept", "comment": "越权"})
    assert wrong.status_code == 403
    assert "操作未执行" in text_of(wrong.text) and "<main" in wrong.text
    assert await _version(console, citizen, number) == 1

    accepted = await console.post(url, clerk, {"action": "accept", "comment": "材料齐全"})
    assert accepted.status_code == 303, accepted.text
    assert accepted.headers["location"] == f"{path}?done=accept"
    after = await console.page(accepted.headers["location"], clerk)
    assert translate("console.flash.accept") in text_of(after.text)
    assert "材料齐全" in text_of(after.text)
    assert 'name="action"' not in after.text  # nothing left for the clerk here
    inbox = await console.page(INBOX, clerk)
    assert path not in inbox.text
    assert await _version(console, citizen, number) > 1


async def test_two_reviewers_race_on_one_step_one_wins_one_sees_the_conflict(
    console: Console,
) -> None:
    citizen = await console.citizen()
    number = await console.open_case(citizen)
    clerk = await console.staff("clerk", "window_clerk")
    url = f"{case_path(number)}/actions"
    assert (await console.post(url, clerk, {"action": "accept"})).status_code == 303
    first = await console.staff("rev1", "dept_reviewer")
    second = await console.staff("rev2", "dept_reviewer")
    for cookies in (first, second):
        page = await console.page(case_path(number), cookies)
        assert 'name="action" value="approve"' in page.text
        assert 'name="action" value="reject"' in page.text
    version = await _version(console, citizen, number)
    body = {"action": "approve", "task": "review", "comment": "同意"}
    answers = await asyncio.gather(console.post(url, first, body), console.post(url, second, body))
    statuses = sorted(a.status_code for a in answers)
    assert statuses == [303, 409], [a.text[:300] for a in answers]
    loser = next(a for a in answers if a.status_code == 409)
    assert translate("routes.task_closed", task="审查") in text_of(loser.text)
    # the winner's vote moved the case on once; the loser changed nothing more
    assert await _version(console, citizen, number) > version
    view = await console.client.get(f"/api/v1/t/{CHENGGUAN}/cases/{number}", headers=citizen)
    assert [e["kind"] for e in view.json()["timeline"]].count("approved") == 1
