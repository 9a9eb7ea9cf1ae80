"""The header's account part, the sign-in link's `next`, and when 撤回申请 is offered."""

from __future__ import annotations

from yiwang.runtime.portal import messages as portal_messages
from yiwang.runtime.portal.my_cases.parts import INTERNAL_EVENTS, can_withdraw
from yiwang.runtime.portal.shell import account_links, sign_in_url
from yiwang.runtime.portal.viewer import Viewer
from yiwang.runtime.routes.events import EventKind
from yiwang.runtime.routes.state import TERMINAL

PERSON = Viewer(account_id=7, kind="citizen", name="139****0001", csrf="tok")


def test_signed_out_header_offers_sign_in_back_to_this_page() -> None:
    links = account_links("620102", "/r/620102/services?q=消防", None)
    assert links == {
        "viewer": None,
        "sign_in_url": "/r/620102/signin?next=/r/620102/services%3Fq%3D%E6%B6%88%E9%98%B2",
    }


def test_the_sign_in_page_does_not_send_you_back_to_itself() -> None:
    links = account_links("620102", "/r/620102/signin?next=/r/620102/open", None)
    assert links["sign_in_url"] == "/r/620102/signin"


def test_signed_in_header_names_the_person_and_their_pages() -> None:
    links = account_links("620503", "/r/620503/", PERSON)
    assert links == {
        "viewer": PERSON,
        "my_cases_url": "/r/620503/my/cases",
        "sign_out_url": "/r/620503/signout",
    }


def test_sign_in_url_quotes_next() -> None:
    assert sign_in_url("620102", None) == "/r/620102/signin"
    assert sign_in_url("620102", "/r/620102/my/cases") == (
        "/r/620102/signin?next=/r/620102/my/cases"
    )
    assert sign_in_url("620102", "/a?b=c&d") == "/r/620102/signin?next=/a%3Fb%3Dc%26d"


def test_withdrawal_is_offered_exactly_where_the_engine_admits_it() -> None:
    assert can_withdraw("submitted") and can_withdraw("in_review")
    assert can_withdraw("supplement_requested")
    for status in ("decided", "completed", *TERMINAL):
        assert not can_withdraw(status), status
    assert not can_withdraw("no-such-status")


def test_every_timeline_event_shown_has_a_chinese_label() -> None:
    shown = set(EventKind.__args__) - INTERNAL_EVENTS  # type: ignore[attr-defined]
    missing = [k for k in shown if f"portal.event.{k}" not in portal_messages.ZH_CN]
    assert missing == []
