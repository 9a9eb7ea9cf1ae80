"""The access log: structured, sampled, and written by a thread of its own.

A request that is logged only puts a small tuple on a queue; rendering and
writing happen on a background thread, so no request waits on the log stream.
Modes (`YIWANG_ACCESS_LOG`): `off` (the default in production, where the
proxy in front keeps the access log), `sampled` (the default elsewhere: one
request in `YIWANG_ACCESS_LOG_SAMPLE`, counted, not drawn at random) and
`all`. Errors are logged by the error handlers whatever the mode.
"""

from __future__ import annotations

import queue
import threading
from typing import Any, Final

import structlog

MODES: Final = ("off", "sampled", "all")

#: method, path, status, duration in ms, client host
Entry = tuple[str, str, int, float, str | None]


class AccessLog:
    """Decides which requests to log and writes their lines off the request path."""

    def __init__(self, mode: str, sample: int = 100) -> None:
        if mode not in MODES:
            raise ValueError(f"access log mode {mode!r} is not one of {MODES}")
        self.mode = mode
        self.every = 1 if mode == "all" else max(1, sample)
        self._seen = 0
        self._queue: queue.SimpleQueue[Entry | None] = queue.SimpleQueue()
        self._writer: threading.Thread | None = None

    @property
    def enabled(self) -> bool:
        return self.mode != "off"

    def wants(self) -> bool:
        """Whether the request that just arrived is one to log."""
        if self.mode == "off":
            return False
        self._seen += 1
        return self._seen % self.every == 0

    def record(self, entry: Entry) -> None:
        if self._writer is None:
            # Started on first use, inside the worker process (threads do not survive fork).
            self._writer = threading.Thread(target=self._write, name="access-log", daemon=True)
            self._writer.start()
        self._queue.put(entry)

    def close(self, timeout: float = 2.0) -> None:
        """Write what is queued and stop the writer."""
        if self._writer is not None:
            self._queue.put(None)
            self._writer.join(timeout)
            self._writer = None

    def _write(self) -> None:
        log = structlog.get_logger("access")
        while (entry := self._queue.get()) is not None:
            method, path, status, duration_ms, client = entry
            fields: dict[str, Any] = {
                "method": method,
                "path": path,
                "status": status,
                "duration_ms": round(duration_ms, 2),
                "client": client,
            }
            if self.every > 1:
                fields["sample"] = self.every
            log.info("request", **fields)
