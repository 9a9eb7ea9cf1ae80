"""Record set versions as a worker holds them: messages, the larger version wins, the memo."""

from __future__ import annotations

from yiwang.runtime.record_sets.memo import VersionedMemo
from yiwang.runtime.record_sets.versions import RecordSetVersions, decode, encode


def test_a_message_carries_every_set_and_survives_the_trip() -> None:
    versions = {(16, "service_item"): 7, (1, "power_item"): 12}
    message = encode(versions)
    assert message == "1:power_item:12,16:service_item:7"
    assert decode(message) == versions


def test_a_malformed_part_is_skipped_not_fatal() -> None:
    assert decode("16:service_item:x,oops,:power_item:3,2:special_fund:4") == {
        (2, "special_fund"): 4
    }


def test_versions_only_grow_and_unknown_sets_are_zero() -> None:
    known = RecordSetVersions(None)
    known.note((16, "service_item"), 5)
    known.note((16, "service_item"), 3)  # heard late: an older announcement
    assert known.of([16, 2, 1], "service_item") == (5, 0, 0)
    known._on_message(b"2:service_item:9,16:service_item:6")
    assert known.of([16, 2, 1], "service_item") == (6, 9, 0)
    assert known.of([16], "power_item") == (0,)


def test_counters_never_read_are_not_fresh() -> None:
    known = RecordSetVersions(None, poll_seconds=60)
    assert not known.fresh([16])
    known._checked_at[16] = float("inf")  # read "just now" for any clock
    assert known.fresh([16]) and not known.fresh([16, 2])


def test_the_memo_keeps_the_most_recently_used() -> None:
    memo: VersionedMemo[bytes] = VersionedMemo(max_entries=2)
    memo.put("a", b"1")
    memo.put("b", b"2")
    assert memo.get("a") == b"1"  # a is now the most recent
    memo.put("c", b"3")
    assert memo.get("b") is None
    assert (memo.get("a"), memo.get("c"), len(memo)) == (b"1", b"3", 2)
