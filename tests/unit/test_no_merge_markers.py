"""No file the platform serves or runs keeps a merge's conflict markers: a stylesheet
with them still loads, and silently drops the rules between them."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MARKER = re.compile(r"^(<{7} |={7}$|>{7} )", re.MULTILINE)
TEXT = {".py", ".html", ".css", ".js", ".md", ".toml", ".sql", ".conf", ".sh", ".json"}


def test_no_conflict_markers_in_the_tree() -> None:
    found = []
    for top in ("src", "migrations", "scripts", "tests", "bench"):
        for path in (ROOT / top).rglob("*"):
            if path.suffix not in TEXT or "vendor" in path.parts or not path.is_file():
                continue
            text = path.read_text(encoding="utf-8", errors="replace")
            found += [
                f"{path.relative_to(ROOT)}:{text.count(chr(10), 0, m.start()) + 1}"
                for m in MARKER.finditer(text)
            ]
    assert not found, found
