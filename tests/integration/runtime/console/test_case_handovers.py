"""The console's case page over HTTP against the real services: return, transfer and
delegation offered exactly as the engine's dry run allows, their targets chosen from
lists, their refusals on the page; the timeline naming people; the inbox naming the
form and the step.

Every refusal is checked to change nothing: the case's version stays where it was."""

from __future__ import annotations

import re

from bs4 import BeautifulSoup

from tests.integration.runtime.console.conftest import CHENGGUAN, Console, text_of
from yiwang.platform.i18n import translate

INBOX = f"/console/t/{CHENGGUAN}/inbox"


def case_path(number: str) -> str:
    return f"/console/t/{CHENGGUAN}/cases/{number}"


async def _version(console: Console, citizen: dict[str, str], number: str) -> int:
    resp = await console.client.get(f"/api/v1/t/{CHENGGUAN}/cases/{number}", headers=citizen)
    assert resp.status_code == 200, resp.text
    return int(resp.json()["version"])


def _actions(page: str) -> set[str]:
    return set(re.findall(r'name="action" value="(\w+)"', page))


def _choices(page: str, action: str) -> dict[str, str]:
    """The options (value: label) of the `action` form's one list."""
    soup = BeautifulSoup(page, "html.parser")
    for form in soup.find_all("form", class_="action"):
        if form.find("input", attrs={"name": "action", "value": action}) is None:
            continue
        select = form.find("select")
        assert select is not None, action
        # the target is chosen, never typed
        assert form.find("input", attrs={"name": select["name"]}) is None
        return {str(o["value"]): o.get_text(strip=True) for o in select.find_all("option")}
    raise AssertionError(f"no {action} form")


async def _account(console: Console, cookies: dict[str, str]) -> str:
    me = await console.client.get(
        "/api/v1/me", headers={"cookie": f"yiwang_session={cookies['yiwang_session']}"}
    )
    assert me.status_code == 200, me.text
    return f"account:{me.json()['id']}"


async def test_delegation_and_transfer_choose_from_lists_and_refusals_show_on_the_page(
    console: Console,
) -> None:
    citizen = await console.citizen()
    number = await console.open_case(citizen)
    path, url = case_path(number), f"{case_path(number)}/actions"
    clerk = await console.staff("clerk", "window_clerk", display_name="陈受理")
    # at acceptance the clerk is never offered as their own delegate (whether anyone else is
    # offered depends on the window clerks other tests left in the department)
    accepting = (await console.page(path, clerk)).text
    assert "accept" in _actions(accepting)
    if "delegate" in _actions(accepting):
        assert "陈受理" not in "".join(_choices(accepting, "delegate").values())
    assert (await console.post(url, clerk, {"action": "accept"})).status_code == 303
    first = await console.staff("rev1", "dept_reviewer", display_name="王一审")
    second = await console.staff("rev2", "dept_reviewer", display_name="李二审")
    await console.staff("rev3", "dept_reviewer", department="wjw", display_name="赵三审")
    await console.staff("clerk2", "window_clerk", display_name="钱窗口")

    page = await console.page(path, first)
    assert page.status_code == 200, page.text
    # at the first review step there is nothing passed to return to
    assert _actions(page.text) == {"approve", "reject", "transfer", "delegate"}
    people = _choices(page.text, "delegate")
    # the department's colleagues who hold the step's role: not oneself, not another
    # department's reviewer, not a clerk; named, never an account id
    named = {label: value for value, label in people.items()}
    assert "李二审（单位：市场监督管理局）" in named
    assert not any(n in "".join(named) for n in ("王一审", "赵三审", "钱窗口", "陈受理"))
    second_id = named["李二审（单位：市场监督管理局）"]
    assert second_id == await _account(console, second)
    departments = _choices(page.text, "transfer")
    assert "wjw" in departments and departments["wjw"] == "卫生健康委员会"
    assert "scjgj" not in departments  # the task's own department
    version = await _version(console, citizen, number)

    # refusals: a forged target, oneself (the engine's refusal), on the page, nothing changed
    forged = await console.post(
        url, first, {"action": "delegate", "task": "review", "to": "account:1"}
    )
    assert forged.status_code == 422
    assert translate("console.case.not_listed") in text_of(forged.text)
    own = await _account(console, first)
    to_self = await console.post(url, first, {"action": "delegate", "task": "review", "to": own})
    assert to_self.status_code == 422, to_self.text
    assert translate("routes.delegate_to_self") in text_of(to_self.text)
    nowhere = await console.post(
        url, first, {"action": "transfer", "task": "review", "department": "nowhere"}
    )
    assert nowhere.status_code == 422
    assert translate("console.case.not_listed") in text_of(nowhere.text)
    assert await _version(console, citizen, number) == version

    delegated = await console.post(
        url, first, {"action": "delegate", "task": "review", "to": second_id, "comment": "请代办"}
    )
    assert delegated.status_code == 303, delegated.text
    assert delegated.headers["location"] == f"{path}?done=delegate"
    # the task is the delegate's now: the delegator is offered nothing
    assert _actions((await console.page(path, first)).text) == set()
    mine = await console.page(f"{path}?done=delegate", second)
    assert translate("console.flash.delegate") in text_of(mine.text)
    assert {"approve", "reject", "transfer"} <= _actions(mine.text)

    # the timeline names people: the applicant, staff with their department, the system
    shown = " ".join(text_of(mine.text).split())
    assert "account:" not in shown  # (a list's option values carry ids, its labels names)
    assert f"{translate('portal.event.submitted')} · 办理人：申请人" in shown
    assert f"{translate('portal.event.accepted')} · 办理人：陈受理（单位：市场监督管理局）" in shown
    assert (
        f"{translate('portal.event.delegated')} · 办理人：王一审（单位：市场监督管理局）：请代办"
        in shown
    )

    moved = await console.post(
        url, second, {"action": "transfer", "task": "review", "department": "wjw"}
    )
    assert moved.status_code == 303, moved.text
    health = await console.staff("rev4", "dept_reviewer", department="wjw", display_name="孙卫健")
    inbox = await console.page(INBOX, health)
    assert f'href="{path}"' in inbox.text
    assert _actions((await console.page(path, second)).text) == set()


async def test_return_names_the_steps_passed_and_asks_for_the_reason(console: Console) -> None:
    citizen = await console.citizen()
    number = await console.open_case(citizen)
    path, url = case_path(number), f"{case_path(number)}/actions"
    clerk = await console.staff("clerk", "window_clerk")
    reviewer = await console.staff("rev1", "dept_reviewer")
    leader = await console.staff("lead", "dept_leader", display_name="周局长")
    assert (await console.post(url, clerk, {"action": "accept"})).status_code == 303
    body = {"action": "approve", "task": "review", "comment": "同意"}
    assert (await console.post(url, reviewer, body)).status_code == 303

    page = await console.page(path, leader)
    assert "return" in _actions(page.text)
    assert _choices(page.text, "return") == {"review": "审查"}
    version = await _version(console, citizen, number)
    no_reason = await console.post(
        url, leader, {"action": "return", "task": "decide", "to": "review", "return_reason": " "}
    )
    assert no_reason.status_code == 422
    assert translate("routes.reasons_required") in text_of(no_reason.text)
    # the page keeps the choice next to the refusal
    assert 'value="review" selected' in no_reason.text
    backwards = await console.post(
        url, leader, {"action": "return", "task": "decide", "to": "accept", "return_reason": "x"}
    )
    assert backwards.status_code == 422
    assert translate("routes.return_target_invalid", to="accept") in text_of(backwards.text)
    assert await _version(console, citizen, number) == version

    returned = await console.post(
        url,
        leader,
        {"action": "return", "task": "decide", "to": "review", "return_reason": "证明不全"},
    )
    assert returned.status_code == 303, returned.text
    again = await console.page(path, reviewer)
    assert "当前环节 审查" in " ".join(text_of(again.text).split())
    assert {"approve", "reject"} <= _actions(again.text)
    assert "退回 · 办理人：周局长（单位：市场监督管理局）：证明不全" in " ".join(
        text_of(again.text).split()
    )


async def test_the_inbox_names_the_form_and_the_step(console: Console) -> None:
    citizen = await console.citizen()
    number = await console.open_case(citizen)
    clerk = await console.staff("clerk", "window_clerk")
    page = await console.page(INBOX, clerk)
    assert page.status_code == 200, page.text
    soup = BeautifulSoup(page.text, "html.parser")
    link = soup.find("a", href=case_path(number))
    assert link is not None
    cells = [td.get_text(strip=True) for td in link.find_parent("tr").find_all("td")]
    # the form's label from the effective model, never the item's id; the step by its label
    assert cells[1] == "办件" and "SI-0001" not in page.text
    assert cells[2].startswith("受理")
