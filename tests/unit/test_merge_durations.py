"""The durations refresh keeps each half's fresh figures (scripts/support/merge_durations.py)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

_spec = importlib.util.spec_from_file_location(
    "merge_durations",
    Path(__file__).resolve().parents[2] / "scripts" / "support" / "merge_durations.py",
)
assert _spec is not None and _spec.loader is not None
merge_durations = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(merge_durations)


def test_each_half_keeps_its_fresh_figures_and_tests_that_are_gone_are_dropped() -> None:
    old = {"a::first": 50.0, "b::second": 1.0, "gone::test": 3.0}
    # each half starts from the whole old file and rewrites its own tests
    first_half = {**old, "a::first": 20.0, "a::new": 2.0}
    second_half = {**old, "b::second": 1.5}
    assert merge_durations.merged(old, [first_half, second_half]) == {
        "a::first": 20.0,
        "a::new": 2.0,
        "b::second": 1.5,
    }
