"""Browser tests: the real server in a subprocess, Debian's chromium driven by Playwright."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from click.testing import CliRunner
from playwright.async_api import Browser, async_playwright
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.browser.accessibility import forget_checked_states
from tests.browser.journey_staff import staff_services
from tests.integration.stack import Stack
from tests.ports import free_port
from yiwang.cli import main as cli_main
from yiwang.platform.settings import Settings

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _command(args: list[str]) -> None:
    """`yiwang *args` in this process (a process of its own re-imports the platform, seconds
    on a loaded machine), in a thread of its own: the command's `asyncio.run` must not
    meet, or replace, the event loop of the tests' thread."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        done = pool.submit(CliRunner().invoke, cli_main, args, catch_exceptions=False).result()
    assert done.exit_code == 0, (args, done.output)


@pytest.fixture(scope="session")
def server_url(migrated: Settings) -> Iterator[str]:
    port = free_port()
    env = {**os.environ, "YIWANG_PORT": str(port), "YIWANG_HOST": "127.0.0.1"}
    # the Gansu tree with its published base model (what the command's onboarding
    # completes; the suite's in-process `gansu` fixture onboards the tree alone), then the
    # bundled service guides, power lists and funds the portal pages show (idempotent)
    for command in (
        ["tenants", "onboard", "--divisions", "gansu-divisions.csv", "--template", "gansu"],
        ["records", "samples"],
    ):
        _command(command)
    # the server's output goes to a file: a pipe nobody reads fills up and stalls the server
    log = tempfile.TemporaryFile()  # noqa: SIM115  (closed after the session)
    # one worker: the pages a test drives are a handful of requests at a time, and each
    # worker process more is another start of the whole platform on a loaded machine
    proc = subprocess.Popen(
        [sys.executable, "-m", "yiwang.cli", "serve", "--workers", "1"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )

    def output() -> str:
        log.seek(0)
        return log.read().decode(errors="replace")[-4000:]

    # generous: on a loaded 2-core machine the first start can take minutes (it is a bound,
    # not a wait: the loop ends as soon as the server listens)
    limit = 300
    deadline = time.monotonic() + limit
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            if proc.poll() is not None:
                pytest.fail(f"server exited: {output()}")
            if time.monotonic() > deadline:
                proc.kill()
                pytest.fail(f"server did not listen within {limit} s: {output()}")
            time.sleep(0.1)
    yield f"http://127.0.0.1:{port}"
    proc.terminate()
    proc.wait(timeout=10)
    log.close()


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail("Debian's chromium is missing: `make test` installs it")
    async with async_playwright() as p:
        b = await p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield b
        await b.close()


@pytest.fixture(scope="module")
async def staff_stack(
    migrated: Settings, sessions: async_sessionmaker[AsyncSession]
) -> AsyncIterator[Stack]:
    """The identity and policy services in this process, once per module: staff accounts are
    created and granted through them, as the command line does, without a `yiwang` process
    per command (seconds each on a loaded machine)."""
    async with staff_services(migrated, sessions) as stack:
        yield stack


@pytest.fixture(scope="module", autouse=True)
def _axe_states_of_this_module() -> None:
    """`check_page(state=)` skips axe only for a state this module already checked."""
    forget_checked_states()
