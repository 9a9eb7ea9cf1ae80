"""Timing helpers shared by the benchmarks (imported as `support.timing`).

Two ways to time, and when each is honest:

- `median_ns`: single calls, each timed alone (optionally after an untimed
  `setup`, e.g. clearing caches so every call is cold). Only for calls that
  are large against the timer: `perf_counter_ns` itself costs about 0.05 to
  0.1 µs a pair, so a sub-microsecond call timed alone measures the timer.
- `per_call_ns`: a batch of calls timed together, divided by the batch; the
  timer's cost is spread over thousands of calls. Use it for anything fast,
  and time the baseline the same way.
"""

from __future__ import annotations

import gc
import re
import statistics
import time
from collections.abc import Callable
from typing import Any


def median_ns(call: Callable[[], Any], runs: int, setup: Callable[[], Any] | None = None) -> float:
    """Median of single timed calls; the collector is off while timing."""
    samples = []
    for _ in range(runs):
        if setup is not None:
            setup()
        gc.disable()
        try:
            start = time.perf_counter_ns()
            call()
            samples.append(time.perf_counter_ns() - start)
        finally:
            gc.enable()
    return statistics.median(samples)


def per_call_ns(call: Callable[[], Any], batch: int = 10_000, rounds: int = 7) -> float:
    """Median over `rounds` of (time of `batch` calls) / `batch`."""
    samples = []
    for _ in range(rounds):
        gc.disable()
        try:
            start = time.perf_counter_ns()
            for _ in range(batch):
                call()
            samples.append((time.perf_counter_ns() - start) / batch)
        finally:
            gc.enable()
    return statistics.median(samples)


def clear_pattern_caches() -> None:
    """What "cold" clears in one process: the metadata's memoised pattern checks and
    condition validators, and Python's own `re` cache. The meta-schema validators are
    compiled once per process at start-up and stay (a fresh process pays them too)."""
    from yiwang.metadata.documents import checks
    from yiwang.metadata.generators import record_rules

    checks.pattern_compiles.cache_clear()
    record_rules._condition_validator.cache_clear()
    re.purge()
