"""A real server in its own process (`yiwang serve`, as in production), and the real
`yiwang` commands that change what it serves, for the tests that prove every change
reaches a running server.

The commands run in one process of their own per environment, started once: each
command is the `yiwang` entry point called as a console script calls it, in a process
that is neither the server nor the test, without paying the interpreter's start and
the platform's imports (several seconds on a loaded machine) for every command.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from typing import IO

import httpx
import pytest

from tests.ports import free_port
from yiwang.tenants.tree import TenantTree

#: one second through Redis; the poll interval (1 s) and a request's time without it
WITHIN_REDIS = 1.0
WITHIN_POLL = 2.0
NO_REDIS = "redis://127.0.0.1:9/0"


def _env(**overrides: str) -> dict[str, str]:
    env = {**os.environ, "YIWANG_LOG_LEVEL": "WARNING", **overrides}
    env.pop("YIWANG_STRICT_TENANT_CONTEXT", None)
    return env


@pytest.fixture
def server(installed: TenantTree) -> Iterator[Callable[[str], tuple[str, dict[str, str]]]]:
    """Start servers on demand (`start(redis_url)`); each is stopped at the end."""
    started: list[subprocess.Popen[bytes]] = []

    def start(redis_url: str) -> tuple[str, dict[str, str]]:
        port = free_port()
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
    close_command_lines()
    for proc in started:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:  # a loaded machine: the test is over anyway
            proc.kill()
            proc.wait(timeout=10)


#: reads one command (a JSON list of arguments) per line, answers its exit status on stdout;
#: the command's own output goes to stderr
_DRIVER = """
import contextlib, json, sys
from yiwang.cli import main
answers = sys.stdout
for line in sys.stdin:
    with contextlib.redirect_stdout(sys.stderr):
        try:
            main.main(json.loads(line), prog_name="yiwang")
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
    answers.write(json.dumps(code) + "\\n")
    answers.flush()
"""


class _CommandLine:
    """One process that runs `yiwang` commands for one environment, one after another."""

    def __init__(self, env: dict[str, str]) -> None:
        # closed by close(), when the test is over
        self.output: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115
        self.proc = subprocess.Popen(
            [sys.executable, "-c", _DRIVER],
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.output,
        )

    def run(self, args: tuple[str, ...]) -> None:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        start = self.output.seek(0, os.SEEK_END)
        self.proc.stdin.write(json.dumps(list(args)).encode() + b"\n")
        self.proc.stdin.flush()
        answer = self.proc.stdout.readline()
        if answer.strip() != b"0":
            self.output.seek(start)
            pytest.fail(f"yiwang {' '.join(args)}: {answer!r} {self.output.read().decode()}")

    def close(self) -> None:
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)
        self.output.close()


_COMMAND_LINES: dict[tuple[tuple[str, str], ...], _CommandLine] = {}


def cli(env: dict[str, str], *args: str) -> None:
    """Run one `yiwang` command outside this process; it must succeed."""
    key = tuple(sorted(env.items()))
    if key not in _COMMAND_LINES:
        _COMMAND_LINES[key] = _CommandLine(env)
    _COMMAND_LINES[key].run(args)


def close_command_lines() -> None:
    while _COMMAND_LINES:
        _COMMAND_LINES.popitem()[1].close()


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
