"""Times every garbage collection of this process (and of its forked children) with
`gc.callbacks`, and writes the totals per generation, and each full collection
with its wall-clock end, to `$YIWANG_GC_STATS_DIR/<pid>.json` twice a second.
Only the benchmarks load it, by putting this folder on a server's PYTHONPATH."""

from __future__ import annotations

import gc
import json
import os
import threading
import time

_DIR = os.environ.get("YIWANG_GC_STATS_DIR")
_stats: dict[str, list[float]] = {}
_full: list[tuple[float, float]] = []  # (time.time() at the end, seconds)
_started: list[float] = [0.0]


def _reset() -> None:
    # count, total seconds, longest seconds, per generation
    _stats.clear()
    _full.clear()
    _stats.update({str(g): [0, 0.0, 0.0] for g in range(3)})


def _on_gc(phase: str, info: dict[str, int]) -> None:
    if phase == "start":
        _started[0] = time.perf_counter()
        return
    took = time.perf_counter() - _started[0]
    entry = _stats[str(info["generation"])]
    entry[0] += 1
    entry[1] += took
    entry[2] = max(entry[2], took)
    if info["generation"] == 2:
        _full.append((time.time(), took))


def _dump_forever() -> None:
    path = os.path.join(_DIR or ".", f"{os.getpid()}.json")
    while True:
        time.sleep(0.5)
        tmp = path + ".tmp"
        with open(tmp, "w") as f:
            json.dump({"frozen": gc.get_freeze_count(), "generations": _stats, "full": _full}, f)
        os.replace(tmp, path)


def _start() -> None:
    _reset()
    threading.Thread(target=_dump_forever, name="gc-stats", daemon=True).start()


if _DIR:
    gc.callbacks.append(_on_gc)
    _start()
    # Threads do not survive fork: each forked worker starts its own writer.
    os.register_at_fork(after_in_child=_start)
