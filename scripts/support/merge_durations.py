"""Merges the two halves' stored test durations into `.test_durations`.

Each half stores into a copy of the whole old file (pytest-split splits by it and keeps
what is there), so a half's own tests are the entries whose figures it changed. Taking a
copy whole would put the other half's old figures back over its fresh ones; taking only
the changed entries also drops tests that no longer exist.

    python scripts/support/merge_durations.py OLD HALF1 HALF2 > .test_durations
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def merged(old: dict[str, float], halves: list[dict[str, float]]) -> dict[str, float]:
    fresh = {k: v for half in halves for k, v in half.items() if old.get(k) != v}
    return dict(sorted(fresh.items()))


def main(argv: list[str]) -> None:
    old_path, *half_paths = argv
    old = json.loads(Path(old_path).read_text()) if Path(old_path).is_file() else {}
    halves = [json.loads(Path(p).read_text()) for p in half_paths]
    json.dump(merged(old, halves), sys.stdout, indent=1)


if __name__ == "__main__":
    main(sys.argv[1:])
