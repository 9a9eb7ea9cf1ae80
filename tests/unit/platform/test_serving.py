"""How `yiwang serve` is configured: workers, server, access log, heap, socket, headers."""

from __future__ import annotations

import gc
import logging
import os
import socket
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
import structlog

from yiwang.platform import serving
from yiwang.platform.access_log import AccessLog
from yiwang.platform.errors import Conflict, InvalidInput
from yiwang.platform.heap import TUNED_THRESHOLDS
from yiwang.platform.settings import Settings

CORES = len(os.sched_getaffinity(0))


def test_one_worker_per_core_unless_told() -> None:
    assert serving.plan(Settings()).workers == CORES
    assert serving.plan(Settings(workers=3)).workers == 3
    assert serving.plan(Settings(workers=3), workers=5).workers == 5


def test_workers_setting_is_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("YIWANG_WORKERS", "7")
    assert serving.plan(Settings.from_env()).workers == 7


def test_the_default_server_is_granian_and_overrides_are_checked() -> None:
    assert serving.plan(Settings()).server == "granian"
    assert serving.plan(Settings(), server="uvicorn").server == "uvicorn"
    with pytest.raises(InvalidInput) as caught:
        serving.plan(Settings(server="gunicorn"))
    assert caught.value.code == "serve.setting_invalid"
    assert "gunicorn" in caught.value.message()


def test_zero_workers_on_the_command_line_is_refused() -> None:
    with pytest.raises(InvalidInput) as caught:
        serving.plan(Settings(), workers=0)
    assert caught.value.params["name"] == "--workers"


def test_an_unknown_access_log_mode_is_refused() -> None:
    with pytest.raises(InvalidInput) as caught:
        serving.plan(Settings(access_log="verbose"))
    assert caught.value.params["name"] == "YIWANG_ACCESS_LOG"


def test_access_log_is_off_in_production_and_sampled_elsewhere() -> None:
    assert Settings(environment="production").access_log_mode == "off"
    assert Settings(environment="development").access_log_mode == "sampled"
    assert Settings(environment="production", access_log="all").access_log_mode == "all"


def test_the_pool_budget_is_shared_among_the_workers() -> None:
    assert Settings(workers=2, database_max_connections=40).pool_size == 20
    assert Settings(workers=8, database_max_connections=40).pool_size == 5
    # never fewer than two per worker, and an explicit size wins
    assert Settings(workers=64, database_max_connections=40).pool_size == 2
    assert Settings(workers=2, database_pool_size=7).pool_size == 7


def test_sampled_access_log_takes_one_request_in_n() -> None:
    log = AccessLog("sampled", sample=10)
    assert [log.wants() for _ in range(30)].count(True) == 3
    assert not any(AccessLog("off").wants() for _ in range(30))
    assert all(AccessLog("all", sample=10).wants() for _ in range(30))


def test_access_log_entries_are_written_by_the_writer_thread() -> None:
    log = AccessLog("all")
    saved = structlog.get_config()
    # other tests configure logging at WARNING; the access log writes at INFO
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.INFO))
    try:
        with structlog.testing.capture_logs() as captured:
            log.record(("GET", "/r/620102/", 200, 1.234, "127.0.0.1"))
            log.close()
    finally:
        structlog.configure(**saved)
    assert captured == [
        {
            "event": "request",
            "log_level": "info",
            "method": "GET",
            "path": "/r/620102/",
            "status": 200,
            "duration_ms": 1.23,
            "client": "127.0.0.1",
        }
    ]


def test_the_listening_socket_has_tcp_nodelay_and_accepted_sockets_inherit_it() -> None:
    listener = serving.listening_socket("127.0.0.1", 0)
    with listener, socket.create_connection(listener.getsockname()):
        assert listener.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 1
        assert listener.proto == socket.IPPROTO_TCP
        accepted, _ = listener.accept()
        with accepted:
            assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 1


async def _hello(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] == "lifespan":
        await receive()
        await send({"type": "lifespan.startup.complete"})
        await receive()
        await send({"type": "lifespan.shutdown.complete"})
        return
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", b"text/plain")],
        }
    )
    await send({"type": "http.response.body", "body": b"hello"})


async def _call_http(app: Any) -> list[dict[str, Any]]:
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "GET", "path": "/", "client": ("127.0.0.1", 1)}
    await app(scope, receive, send)
    return sent


@pytest.mark.parametrize("mode", ["off", "all"])
async def test_every_response_names_no_server_software(mode: str) -> None:
    app = serving.ServedApp(_hello, access_log=AccessLog(mode))
    start = (await _call_http(app))[0]
    assert start["headers"] == [(b"content-type", b"text/plain"), (b"server", b"yiwang")]
    app.access_log.close()


@pytest.fixture
def restored_gc() -> Iterator[None]:
    thresholds = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*thresholds)


async def _run_lifespan(app: Any) -> None:
    messages = iter([{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}])

    async def receive() -> dict[str, Any]:
        return next(messages)

    async def send(message: dict[str, Any]) -> None:
        pass

    await app({"type": "lifespan"}, receive, send)


@pytest.mark.usefixtures("restored_gc")
async def test_the_heap_is_frozen_once_start_up_completed() -> None:
    gc.unfreeze()
    await _run_lifespan(serving.ServedApp(_hello, access_log=AccessLog("off")))
    assert gc.get_freeze_count() > 0
    assert gc.get_threshold() == TUNED_THRESHOLDS


@pytest.mark.usefixtures("restored_gc")
async def test_an_untuned_server_leaves_the_collector_alone() -> None:
    gc.unfreeze()
    before = gc.get_threshold()
    app = serving.ServedApp(_hello, access_log=AccessLog("off"), gc_tuned=False)
    await _run_lifespan(app)
    assert gc.get_freeze_count() == 0
    assert gc.get_threshold() == before


def _reuse_port_listener() -> socket.socket:
    """A listener as granian's workers bind theirs: `SO_REUSEPORT`, on a kernel port."""
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    return listener


def test_an_address_a_server_listens_on_is_refused_though_it_shares_ports() -> None:
    with _reuse_port_listener() as listener:
        port = listener.getsockname()[1]
        # the kernel itself would let a second granian share the port
        with socket.socket() as twin:
            twin.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
            twin.bind(("127.0.0.1", port))
        with pytest.raises(Conflict) as caught:
            serving.claim_address("127.0.0.1", port)
    assert caught.value.code == "serve.address_taken"
    assert caught.value.params == {"address": f"127.0.0.1:{port}"}
    assert "已有服务在监听" in caught.value.message()


def test_two_servers_starting_at_once_cannot_both_claim_an_address() -> None:
    with _reuse_port_listener() as listener:
        port = listener.getsockname()[1]
    # nothing listens now; the first claim holds the address until it is closed
    first = serving.claim_address("127.0.0.1", port)
    try:
        with pytest.raises(Conflict):
            serving.claim_address("127.0.0.1", port)
    finally:
        first.close()
    serving.claim_address("127.0.0.1", port).close()


def test_settings_from_env_read_the_serving_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {
        "YIWANG_SERVER": "uvicorn",
        "YIWANG_ACCESS_LOG": "all",
        "YIWANG_ACCESS_LOG_SAMPLE": "5",
        "YIWANG_SHUTDOWN_TIMEOUT": "3",
        "YIWANG_GC_TUNED": "0",
        "DATABASE_MAX_OVERFLOW": "4",
        "DATABASE_POOL_RECYCLE": "600",
    }.items():
        monkeypatch.setenv(name, value)
    s = Settings.from_env()
    assert (s.server, s.access_log_mode, s.access_log_sample) == ("uvicorn", "all", 5)
    assert (s.shutdown_timeout, s.gc_tuned) == (3, False)
    assert (s.database_max_overflow, s.database_pool_recycle) == (4, 600)
    assert replace(s, workers=4).worker_count == 4
