"""The display preferences: read from a cookie, one flag per link, and a safe way back."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from yiwang.runtime.web.display import Display, display_of, safe_back, toggle_links


def test_cookie_round_trip_and_unknown_parts_ignored() -> None:
    assert display_of(None) == Display()
    assert display_of("large,plain") == Display(large=True, plain=True)
    assert display_of("plain,<script>") == Display(plain=True)
    assert Display(True, True).cookie == "large,plain"
    assert display_of(Display(False, True).cookie) == Display(False, True)


def test_settings_flip_one_flag_each() -> None:
    start = Display()
    assert start.with_setting("large") == Display(large=True)
    assert start.with_setting("large").with_setting("plain") == Display(True, True)
    assert Display(True, True).with_setting("standard_size") == Display(False, True)
    assert Display(True, True).with_setting("rich") == Display(True, False)
    assert start.with_setting("bogus") == start
    assert Display(True, True).classes == "text-large mode-plain"
    assert Display().classes == ""


def test_back_stays_on_the_site() -> None:
    assert safe_back("/r/620102/services?q=x", "/") == "/r/620102/services?q=x"
    for bad in ("//evil.example/", "https://evil.example/", "/\\evil", "/a\nb", "", None):
        assert safe_back(bad, "/r/620102/") == "/r/620102/"


def test_toggle_links_keep_the_whole_query_of_the_page() -> None:
    here = "/r/620102/services?q=食品&filter.department=scjgj"
    links = dict(toggle_links("/r/620102/display", here, Display(large=True)))
    assert set(links) == {"standard_size", "plain"}
    query = parse_qs(urlsplit(links["plain"]).query)
    assert query["set"] == ["plain"]
    assert query["back"] == [here]
