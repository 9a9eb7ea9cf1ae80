"""Parse and check a division file (GB/T 2260 codes) before anything is written.

Format: UTF-8 CSV with the header `code,name,level,parent_code`. Every problem is
reported with its line number and the rule broken; the whole file is rejected
if any line is bad, so onboarding never writes half a tree.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from typing import Any

from yiwang.platform.errors import ErrorDetail, InvalidInput
from yiwang.platform.text import codepoint, escape_formula, first_unsafe
from yiwang.tenants.models import Level

HEADER = ("code", "name", "level", "parent_code")
CODE_RE = re.compile(r"^[0-9]{6}$")

#: which levels may sit directly under which. Counties may hang off the province
#: (省直辖县级行政单位), zones off the province or a prefecture.
ALLOWED_PARENTS: dict[Level, frozenset[Level]] = {
    Level.PROVINCE: frozenset(),
    Level.PREFECTURE: frozenset({Level.PROVINCE}),
    Level.COUNTY: frozenset({Level.PREFECTURE, Level.PROVINCE}),
    Level.ZONE: frozenset({Level.PREFECTURE, Level.PROVINCE}),
}


@dataclass(frozen=True)
class Division:
    line: int
    code: str
    name: str
    level: Level
    parent_code: str | None


def _fail(code: str, /, **params: Any) -> InvalidInput:
    return InvalidInput(code, pointer=f"/lines/{params.get('line', 0)}", **params)


def decode(raw: bytes) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise _fail("divisions.not_utf8", line=line) from exc


def parse_divisions(
    raw: bytes | str, *, known_parents: dict[str, Level] | None = None
) -> list[Division]:
    """Return the divisions in parent-before-child order, or raise `InvalidInput`.

    `known_parents` maps codes already onboarded to their level, so a file may add
    counties to an existing tree without repeating it.
    """
    text = decode(raw) if isinstance(raw, bytes) else raw
    known = known_parents or {}
    reader = csv.reader(io.StringIO(text))
    try:
        header = next(reader)
    except StopIteration:
        raise _fail("divisions.empty", line=1) from None
    except csv.Error as exc:
        raise _fail("divisions.columns", line=1, expected=len(HEADER), actual=str(exc)) from exc
    if tuple(h.strip().lower() for h in header) != HEADER:
        raise _fail("divisions.header", line=1, expected=",".join(HEADER), actual=",".join(header))

    rows: list[Division] = []
    first_seen: dict[str, int] = {}
    try:
        for row in reader:
            line = reader.line_num
            if not row or all(not c.strip() for c in row):
                continue
            if len(row) != len(HEADER):
                raise _fail("divisions.columns", line=line, expected=len(HEADER), actual=len(row))
            code, name, level_text, parent = (c.strip() for c in row)
            if not CODE_RE.match(code):
                raise _fail("divisions.code_format", line=line, code=code)
            if code in first_seen:
                raise _fail(
                    "divisions.duplicate_code", line=line, code=code, first_line=first_seen[code]
                )
            first_seen[code] = line
            if not name:
                raise _fail("divisions.name_empty", line=line)
            if (at := first_unsafe(name)) is not None:
                raise _fail(
                    "divisions.name_unsafe", line=line, char=codepoint(name[at]), position=at + 1
                )
            if escape_formula(name) != name:
                # no division is called "=HYPERLINK(...)"; exports escape it anyway
                raise _fail("divisions.name_formula", line=line)
            try:
                level = Level(level_text.lower())
            except ValueError:
                raise _fail("divisions.level_unknown", line=line, level=level_text) from None
            if parent and not CODE_RE.match(parent):
                raise _fail("divisions.code_format", line=line, code=parent)
            rows.append(Division(line, code, name, level, parent or None))
    except csv.Error as exc:
        raise _fail(
            "divisions.columns", line=reader.line_num, expected=len(HEADER), actual=str(exc)
        ) from exc
    if not rows:
        raise _fail("divisions.empty", line=2)
    return _order_and_check(rows, known)


def _order_and_check(rows: list[Division], known: dict[str, Level]) -> list[Division]:
    by_code = {d.code: d for d in rows}
    roots = [d for d in rows if d.parent_code is None]
    for d in roots:
        if d.level is not Level.PROVINCE:
            raise _fail("divisions.root_level", line=d.line)
    if len(roots) > 1 or (not roots and not known):
        raise _fail("divisions.root", line=rows[0].line, count=len(roots))

    problems: list[ErrorDetail] = []
    for d in rows:
        if d.parent_code is None:
            continue
        if d.parent_code == d.code:
            raise _fail("divisions.cycle", line=d.line, code=d.code)
        parent_level = (
            by_code[d.parent_code].level if d.parent_code in by_code else known.get(d.parent_code)
        )
        if parent_level is None:
            raise _fail("divisions.parent_unknown", line=d.line, parent=d.parent_code)
        if parent_level not in ALLOWED_PARENTS[d.level]:
            problems.append(
                ErrorDetail(
                    "divisions.level_order",
                    f"/lines/{d.line}",
                    {
                        "line": d.line,
                        "level": d.level.value,
                        "parent_level": parent_level.value,
                        "parent": d.parent_code,
                    },
                )
            )
    if problems:
        first = problems[0]
        raise InvalidInput(first.code, pointer=first.pointer, details=problems, **first.params)

    ordered: list[Division] = []
    placed: set[str] = set(known)
    pending = list(rows)
    while pending:
        progress = [d for d in pending if d.parent_code is None or d.parent_code in placed]
        if not progress:
            d = pending[0]
            raise _fail("divisions.cycle", line=d.line, code=d.code)
        for d in progress:
            ordered.append(d)
            placed.add(d.code)
        pending = [d for d in pending if d.code not in placed]
    return ordered
