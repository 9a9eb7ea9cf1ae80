"""A load generator that stops by itself: exactly N POSTs over C keep-alive connections.

wrk runs for a duration (a thread that stops early leaves its main thread
sleeping to the end), so a run of a fixed number of requests needs its own
client. This one is small: asyncio streams (uvloop when installed), HTTP/1.1
keep-alive, TCP_NODELAY, a fresh `Idempotency-Key` per request
(`<run>-<index>`), the same body every time. Each connection takes the next
index until N are sent; the run ends when every answer is read. Latency is
timed per request with `perf_counter_ns` (each is milliseconds).
"""

from __future__ import annotations

import asyncio
import socket
import statistics
import time
from collections import Counter
from typing import Any


async def _read_answer(reader: asyncio.StreamReader) -> tuple[int, bool]:
    """The status of one answer, read to its end; and whether the server keeps the line."""
    status_line = await reader.readline()
    if not status_line:
        raise ConnectionError("the server closed the connection")
    status = int(status_line.split()[1])
    length, chunked, keep = 0, False, True
    while (line := await reader.readline()) not in (b"\r\n", b"\n", b""):
        name, _, value = line.decode("latin-1").partition(":")
        name, value = name.strip().lower(), value.strip().lower()
        if name == "content-length":
            length = int(value)
        elif name == "transfer-encoding" and "chunked" in value:
            chunked = True
        elif name == "connection" and value == "close":
            keep = False
    if chunked:
        while (size := int((await reader.readline()).split(b";")[0], 16)) > 0:
            await reader.readexactly(size + 2)
        await reader.readline()
    elif length:
        await reader.readexactly(length)
    return status, keep


async def post_many(
    host: str,
    port: int,
    path: str,
    body: bytes,
    *,
    count: int,
    connections: int,
    run: str,
    headers: dict[str, str] | None = None,
) -> dict[str, Any]:
    """POST `body` to `path` `count` times over `connections` connections."""
    extra = "".join(f"{k}: {v}\r\n" for k, v in (headers or {}).items())
    taken = 0
    latencies: list[int] = []
    statuses: Counter[int] = Counter()

    async def connect() -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        reader, writer = await asyncio.open_connection(host, port)
        sock = writer.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return reader, writer

    async def connection() -> None:
        nonlocal taken
        reader, writer = await connect()
        try:
            while taken < count:
                index = taken
                taken += 1
                request = (
                    f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\n"
                    f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
                    f"Idempotency-Key: {run}-{index}\r\n{extra}\r\n"
                ).encode() + body
                start = time.perf_counter_ns()
                writer.write(request)
                status, keep = await _read_answer(reader)
                latencies.append(time.perf_counter_ns() - start)
                statuses[status] += 1
                if not keep:
                    writer.close()
                    reader, writer = await connect()
        finally:
            writer.close()

    started = time.perf_counter_ns()
    await asyncio.gather(*(connection() for _ in range(connections)))
    duration = time.perf_counter_ns() - started
    ordered = sorted(latencies)

    def percentile(p: float) -> float:
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] / 1000

    return {
        "requests": len(latencies),
        "duration_us": duration / 1000,
        "statuses": dict(statuses),
        "non_2xx": sum(n for s, n in statuses.items() if not 200 <= s < 300),
        "p50_us": statistics.median(ordered) / 1000,
        "p95_us": percentile(95),
        "p99_us": percentile(99),
        "max_us": ordered[-1] / 1000,
    }


def run_posts(**kwargs: Any) -> dict[str, Any]:
    try:
        import uvloop

        return uvloop.run(post_many(**kwargs))
    except ImportError:
        return asyncio.run(post_many(**kwargs))
