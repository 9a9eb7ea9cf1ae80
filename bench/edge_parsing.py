"""What the edge's strict parsers cost, as ratios to the parsers they replace or wrap.

In-process and warm (each case runs once before timing); medians of ROUNDS rounds,
the cases alternating so machine noise hits all alike. Run: `uv run python bench/edge_parsing.py`.

- YAML: a metadata document just under the YAML size limit (512 KiB), parsed by
  the strict event builder (`sources.parse_yaml`), by PyYAML's C loader
  (`yaml.CSafeLoader`, the fastest unchecked baseline) and by PyYAML's pure
  Python `SafeLoader` (what the strict loader used to build on).
- the alias bomb of the security review (9 levels, 375 bytes): refused by the
  strict parser; the baseline is `SafeLoader` loading it and `json.dumps`
  expanding it, as saving it as a draft did, at 6 levels (9 would take minutes).
- JSON: a 1 MiB body through `check_json` (the edge) against `json.loads` and
  `msgspec.json.decode` of the same bytes.
"""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable
from typing import Any

import msgspec
import yaml

from yiwang.metadata.documents import sources
from yiwang.platform.edge.json_body import check_json

ROUNDS = 7


def _document(limit: int) -> str:
    row = "  f{i}: {{label: 名称{i}, type: string, required: true, help: 说明文字{i}}}\n"
    parts, size, i = ["fields:\n"], 8, 0
    while size + 80 < limit:
        line = row.format(i=i)
        parts.append(line)
        size += len(line.encode())
        i += 1
    return "".join(parts)


def _bomb(levels: int) -> str:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for level in range(1, levels):
        prev, name = chr(ord("a") + level - 1), chr(ord("a") + level)
        lines.append(f"{name}: &{name} [" + ",".join(f"*{prev}" for _ in range(9)) + "]")
    return "\n".join(lines) + "\n"


def _refused(text: str) -> None:
    try:
        sources.parse_yaml(text)
    except sources.MetadataInvalid:
        return
    raise AssertionError("the bomb was accepted")


def _timed(fn: Callable[[], Any]) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def run(cases: dict[str, Callable[[], Any]]) -> dict[str, float]:
    for fn in cases.values():
        fn()
    samples: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(ROUNDS):
        for name, fn in cases.items():
            samples[name].append(_timed(fn))
    return {name: statistics.median(values) for name, values in samples.items()}


def main() -> None:
    text = _document(sources.MAX_YAML_BYTES)
    bomb9, bomb6 = _bomb(9), _bomb(6)
    body = json.dumps(
        {"rows": [{"name": f"名称{i}", "n": i, "ok": True} for i in range(22_000)]},
        ensure_ascii=False,
    ).encode()
    yaml_times = run(
        {
            "strict": lambda: sources.parse_yaml(text),
            "CSafeLoader": lambda: yaml.load(text, Loader=yaml.CSafeLoader),
            "SafeLoader": lambda: yaml.load(text, Loader=yaml.SafeLoader),
        }
    )
    bomb_times = run(
        {
            "strict, 9 levels (refused)": lambda: _refused(bomb9),
            "SafeLoader + json.dumps, 6 levels": lambda: json.dumps(yaml.safe_load(bomb6)),
        }
    )
    json_times = run(
        {
            "check_json": lambda: check_json(body, max_bytes=len(body)),
            "json.loads": lambda: json.loads(body),
            "msgspec.json.decode": lambda: msgspec.json.decode(body),
        }
    )
    print(f"YAML document: {len(text.encode()):,} bytes")
    base = yaml_times["CSafeLoader"]
    for name, seconds in yaml_times.items():
        print(f"  {name:<14} {seconds * 1000:8.1f} ms  ratio to CSafeLoader {seconds / base:.2f}")
    print(f"alias bomb: {len(bomb9)} bytes")
    base = bomb_times["SafeLoader + json.dumps, 6 levels"]
    for name, seconds in bomb_times.items():
        print(f"  {name:<34} {seconds * 1000:9.3f} ms  ratio {seconds / base:.5f}")
    print(f"JSON body: {len(body):,} bytes")
    base = json_times["json.loads"]
    for name, seconds in json_times.items():
        print(f"  {name:<20} {seconds * 1000:8.1f} ms  ratio to json.loads {seconds / base:.2f}")


if __name__ == "__main__":
    main()
