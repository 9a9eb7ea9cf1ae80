"""`yiwang serve` as a real process on loopback, with each server it offers: one worker
per core, our `server` header, the heap frozen after start-up, no delayed-ACK stall on
keep-alive connections, an access log, and a SIGTERM that drains within its bound."""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.ports import free_port
from yiwang.platform.heap import TUNED_THRESHOLDS

ROOT = Path(__file__).resolve().parents[3]
SHUTDOWN_TIMEOUT = 4


@dataclass
class Served:
    process: subprocess.Popen[bytes]
    port: int
    log: Path

    def get(self, path: str, timeout: float = 10) -> tuple[int, dict[str, str], bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            conn.request("GET", path)
            resp = conn.getresponse()
            return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
        finally:
            conn.close()


@contextmanager
def _serve(server_name: str, log: Path) -> Iterator[Served]:
    port = free_port()
    env = dict(
        os.environ,
        YIWANG_ACCESS_LOG="all",
        YIWANG_SHUTDOWN_TIMEOUT=str(SHUTDOWN_TIMEOUT),
        YIWANG_GC_TUNED="1",
    )
    env.pop("YIWANG_WORKERS", None)
    command = [sys.executable, "-m", "yiwang.cli", "serve", "--port", str(port)]
    command += ["--server", server_name, "--workers", "2"]
    command += ["--app", "tests.integration.platform.served_app:create"]
    with log.open("wb") as out:
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = Served(process, port, log)
    try:
        deadline = time.monotonic() + 90
        while True:
            assert process.poll() is None, log.read_text()
            try:
                if server.get("/healthz", timeout=2)[0] == 200:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.3)
        yield server
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


SERVERS = ["granian", "uvicorn"]


@pytest.fixture(scope="module", params=SERVERS)
def served(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Served]:
    """One server per module and server kind (start-up costs seconds); read-only tests."""
    with _serve(request.param, tmp_path_factory.mktemp("serve") / "serve.log") as server:
        yield server


@pytest.fixture
def stoppable(tmp_path: Path) -> Iterator[Served]:
    """A server of its own for the test that stops it: the default server, granian
    (uvicorn's drain is its own `timeout_graceful_shutdown`, set from the same setting)."""
    with _serve("granian", tmp_path / "serve.log") as server:
        yield server


def test_responses_name_no_server_software(served: Served) -> None:
    status, headers, _ = served.get("/healthz")
    assert status == 200
    assert headers["server"] == "yiwang"


def test_each_worker_froze_its_heap_after_start_up(served: Served) -> None:
    # new connections spread over both workers; every one must report a frozen heap
    for _ in range(6):
        body = json.loads(served.get("/gc")[2])
        assert body["frozen"] > 10_000
        assert tuple(body["thresholds"]) == TUNED_THRESHOLDS


def test_small_responses_on_a_kept_alive_connection_do_not_wait_for_delayed_acks(
    served: Served,
) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", served.port, timeout=10)
    timings = []
    try:
        for _ in range(40):
            start = time.perf_counter()
            conn.request("GET", "/healthz")
            resp = conn.getresponse()
            resp.read()
            timings.append(time.perf_counter() - start)
    finally:
        conn.close()
    # a response held back by Nagle until the client's delayed ACK takes about 40 ms
    assert statistics.median(timings) < 0.02, timings


def test_the_access_log_is_structured(served: Served) -> None:
    served.get("/healthz")
    deadline = time.monotonic() + 5
    while "path=/healthz" not in served.log.read_text() and time.monotonic() < deadline:
        time.sleep(0.1)
    line = next(x for x in served.log.read_text().splitlines() if "path=/healthz" in x)
    assert "request" in line and "status=200" in line and "duration_ms=" in line


def test_sigterm_finishes_in_flight_requests_and_stops_within_the_bound(
    stoppable: Served,
) -> None:
    served = stoppable
    answers: dict[str, object] = {}

    def ask(path: str) -> None:
        try:
            answers[path] = served.get(path, timeout=60)[0]
        except OSError as exc:
            answers[path] = exc

    short = threading.Thread(target=ask, args=("/slow/1.5",))
    endless = threading.Thread(target=ask, args=("/slow/120",))
    short.start()
    endless.start()
    time.sleep(0.5)
    stopped_at = time.monotonic()
    served.process.send_signal(signal.SIGTERM)
    served.process.wait(timeout=SHUTDOWN_TIMEOUT + 15)
    took = time.monotonic() - stopped_at
    short.join(5)
    endless.join(5)
    assert answers["/slow/1.5"] == 200, answers
    assert answers.get("/slow/120") != 200, answers
    assert took < SHUTDOWN_TIMEOUT + 10, took
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", served.port)) != 0


def test_a_second_server_on_a_served_port_is_refused_and_the_first_keeps_serving(
    served: Served,
) -> None:
    env = dict(os.environ, YIWANG_LOG_LEVEL="WARNING")
    env.pop("YIWANG_WORKERS", None)
    command = [sys.executable, "-m", "yiwang.cli", "serve", "--port", str(served.port)]
    command += ["--host", "127.0.0.1", "--app", "tests.integration.platform.served_app:create"]
    second = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, timeout=60)
    assert second.returncode == 1, second
    refusal = json.loads(second.stderr.decode().strip().splitlines()[-1])["error"]
    assert refusal["code"] == "serve.address_taken", refusal
    assert served.process.poll() is None
    assert served.get("/healthz")[0] == 200
