"""A real server in its own process (`yiwang serve`, as in production), and the real
`yiwang` commands that change what it serves, for the tests that prove every change
reaches a running server."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator

import httpx
import pytest

from yiwang.tenants.tree import TenantTree

#: one second through Redis; the poll interval (1 s) and a request's time without it
WITHIN_REDIS = 1.0
WITHIN_POLL = 2.0
NO_REDIS = "redis://127.0.0.1:9/0"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _env(**overrides: str) -> dict[str, str]:
    env = {**os.environ, "YIWANG_LOG_LEVEL": "WARNING", **overrides}
    env.pop("YIWANG_STRICT_TENANT_CONTEXT", None)
    return env


@pytest.fixture
def server(installed: TenantTree) -> Iterator[Callable[[str], tuple[str, dict[str, str]]]]:
    """Start servers on demand (`start(redis_url)`); each is stopped at the end."""
    started: list[subprocess.Popen[bytes]] = []

    def start(redis_url: str) -> tuple[str, dict[str, str]]:
        port = _free_port()
        env = _env(YIWANG_PORT=str(port), YIWANG_HOST="127.0.0.1", REDIS_URL=redis_url)
        proc = subprocess.Popen(
            [sys.executable, "-m", "yiwang.cli", "serve", "--workers", "1"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        started.append(proc)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=0.5).status_code == 200:
                    return f"http://127.0.0.1:{port}", env
            except httpx.HTTPError:
                if proc.poll() is not None:
                    pytest.fail(
                        f"server exited: {proc.stderr.read().decode() if proc.stderr else ''}"
                    )
            time.sleep(0.1)
        pytest.fail("server did not start")

    yield start
    for proc in started:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:  # a loaded machine: the test is over anyway
            proc.kill()
            proc.wait(timeout=10)


def cli(env: dict[str, str], *args: str) -> None:
    """Run one `yiwang` command in its own process; it must succeed."""
    done = subprocess.run(
        [sys.executable, "-m", "yiwang.cli", *args], env=env, capture_output=True, check=False
    )
    assert done.returncode == 0, done.stderr.decode()


def seen_within(within: float, probe: Callable[[], bool]) -> float:
    """Seconds until `probe()` held, or fail after `within`."""
    began = time.monotonic()
    while True:
        if probe():
            return time.monotonic() - began
        if time.monotonic() - began > within:
            pytest.fail(f"not visible within {within} s")
        time.sleep(0.02)


def status(base: str, path: str) -> int:
    return httpx.get(base + path, timeout=2).status_code
