"""Ports for the servers the tests start.

A port the kernel hands out with `bind(0)` is free only until that socket closes, and the
suite runs in two halves at once (`scripts/test.sh`): two halves could be handed the same
port for servers they start seconds later (and `yiwang serve` refuses a taken address).
Each half picks from a range of its own, `YIWANG_TEST_PORTS` (`first-last`, set by
`scripts/test.sh`, below the kernel's ephemeral range, where no outgoing connection takes
a port), and no process hands out a port twice.
"""

from __future__ import annotations

import os
import random
import socket

RANGE_ENV = "YIWANG_TEST_PORTS"
_given: set[int] = set()


def free_port() -> int:
    """A loopback port nothing listens on, not handed out before by this process."""
    spec = os.environ.get(RANGE_ENV)
    if spec:
        first, _, last = spec.partition("-")
        candidates = list(range(int(first), int(last) + 1))
        random.shuffle(candidates)
    else:
        candidates = [_kernel_port() for _ in range(50)]
    for port in candidates:
        if port not in _given and _bindable(port):
            _given.add(port)
            return port
    raise RuntimeError(f"no free port in {spec or 'the ephemeral range'}")


def _kernel_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _bindable(port: int) -> bool:
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True
