"""What changed since a person last looked: the `yiwang_seen` cookie and the comparisons."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from yiwang.runtime.portal import changes

NUMBER = "620102-20261201-000001"
AT = datetime(2026, 12, 1, 8, 0, 0, 500_000, tzinfo=UTC)


def test_the_cookie_round_trips_in_milliseconds_and_drops_malformed_pairs() -> None:
    cookie = changes.with_seen({}, NUMBER, AT)
    assert cookie == f"{NUMBER}.{int(AT.timestamp() * 1000)}"
    assert changes.parse_seen(cookie + "~bad pair~x.y~<script>.1") == {
        NUMBER: int(AT.timestamp() * 1000)
    }
    assert changes.parse_seen(None) == {}


def test_only_the_newest_cases_are_kept() -> None:
    seen: dict[str, int] = {}
    for n in range(changes.SEEN_MAX + 5):
        seen = changes.parse_seen(changes.with_seen(seen, f"N-{n}", AT + timedelta(seconds=n)))
    assert len(seen) == changes.SEEN_MAX
    assert "N-0" not in seen and f"N-{changes.SEEN_MAX + 4}" in seen


def test_news_is_someone_elses_event_after_the_last_look() -> None:
    looked = int(AT.timestamp() * 1000)
    later = AT + timedelta(milliseconds=1)
    assert changes.is_new(later, "account:9", "account:1", looked)
    assert not changes.is_new(later, "account:1", "account:1", looked)  # their own step
    assert not changes.is_new(AT, "account:9", "account:1", looked)  # already seen
    assert changes.is_new(AT, "account:9", "account:1", None)  # never looked


def test_changed_cases_are_those_with_a_later_event() -> None:
    seen = {NUMBER: int(AT.timestamp() * 1000)}
    last = {NUMBER: AT + timedelta(seconds=1), "other": AT}
    assert changes.changed(last, seen, [NUMBER, "other", "quiet"]) == {NUMBER, "other"}
    assert changes.changed({NUMBER: AT}, seen, [NUMBER]) == set()
