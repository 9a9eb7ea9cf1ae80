"""The garbage collector after start-up: freeze what lives for the process, collect less often.

A worker loads its tenant directory, policy engine, metadata models and every
module at start-up: a few hundred thousand objects that live as long as the
process. Left in the collected generations, each full collection walks all of
them (tens of milliseconds, paid by whichever request triggered it).
`gc.freeze()` moves them to the permanent generation, which no collection
walks, so a full collection only visits what requests allocated since.

Raising the first threshold makes young collections rarer: a request allocates
a few thousand container objects, most of which die with it, so collecting
every 700 allocations (Python's default) mostly scans live, in-flight objects.
The figures behind both choices are in bench/README.md ("Garbage collection").
"""

from __future__ import annotations

import gc

#: (young, middle, old): young collections every 50,000 net container allocations
#: instead of 700; the old generation keeps Python's rule (its size grew by a quarter).
TUNED_THRESHOLDS = (50_000, 20, 10)


def settle_after_startup(thresholds: tuple[int, int, int] = TUNED_THRESHOLDS) -> None:
    """Collect start-up garbage once, freeze the survivors and raise the thresholds.

    Call once per process, after the application has loaded its caches and
    before it serves: anything frozen is never collected again.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(*thresholds)
