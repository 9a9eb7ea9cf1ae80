"""How `yiwang serve` runs an ASGI application: the server, its workers, its socket,
its headers, its access log, the heap after start-up and a bounded shutdown.

The server was chosen by measurement on two cores (bench/README.md, "Serving"):
granian, one worker process per core. uvicorn (with uvloop and httptools)
stays selectable for comparison. Both listen with `TCP_NODELAY`: granian sets
it on its listening socket, which accepted sockets inherit on Linux; for
uvicorn we bind the socket ourselves, as TCP with `TCP_NODELAY`, because the
socket uvicorn binds for several workers has protocol 0 and asyncio then never
sets the option on accepted sockets, so every small response waits for the
client's delayed ACK (about 40 ms).

Each worker calls `worker_app()`, which builds the application named by
`YIWANG_SERVE_APP` (the platform by default; the HTTP benchmark serves its bare
app through the same path) and wraps it in `ServedApp`.
"""

from __future__ import annotations

import errno
import importlib
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

from yiwang.platform.access_log import MODES as ACCESS_LOG_MODES
from yiwang.platform.access_log import AccessLog
from yiwang.platform.errors import Conflict, InvalidInput
from yiwang.platform.heap import settle_after_startup
from yiwang.platform.settings import Settings, hand_to_workers

SERVERS: Final = ("granian", "uvicorn")
APP_ENV: Final = "YIWANG_SERVE_APP"
DEFAULT_APP: Final = "yiwang.app:asgi"
WORKER_FACTORY: Final = "yiwang.platform.serving:worker_app"
#: replaces the server's own `server` header, which names it (granian cannot omit it)
SERVER_HEADER: Final = (b"server", b"yiwang")

ASGIApp = Callable[..., Any]


@dataclass(frozen=True)
class ServePlan:
    """Everything the server process needs, checked before anything starts."""

    app: str
    server: str
    host: str
    port: int
    workers: int
    shutdown_timeout: int
    log_level: str


def plan(
    settings: Settings,
    *,
    host: str | None = None,
    port: int | None = None,
    workers: int | None = None,
    server: str | None = None,
    app: str = DEFAULT_APP,
) -> ServePlan:
    """The settings, with the command line's overrides, checked."""
    chosen = server or settings.server
    if chosen not in SERVERS:
        raise InvalidInput(
            "serve.setting_invalid", name="YIWANG_SERVER", value=chosen, choices=", ".join(SERVERS)
        )
    if settings.access_log_mode not in ACCESS_LOG_MODES:
        raise InvalidInput(
            "serve.setting_invalid",
            name="YIWANG_ACCESS_LOG",
            value=settings.access_log_mode,
            choices=", ".join(ACCESS_LOG_MODES),
        )
    count = workers if workers is not None else settings.worker_count
    if count < 1:
        raise InvalidInput("serve.setting_invalid", name="--workers", value=count, choices="≥ 1")
    return ServePlan(
        app=app,
        server=chosen,
        host=host or settings.host,
        port=port or settings.port,
        workers=count,
        shutdown_timeout=max(1, settings.shutdown_timeout),
        log_level=settings.log_level.lower(),
    )


def serve(serve_plan: ServePlan) -> None:
    """Run the server in the foreground until SIGINT or SIGTERM, then drain and stop."""
    claim = claim_address(serve_plan.host, serve_plan.port)  # held until the process ends
    # Workers read these: which app to build, and how many siblings share the pool budget.
    hand_to_workers(
        {
            APP_ENV: serve_plan.app,
            "YIWANG_WORKERS": str(serve_plan.workers),
            "YIWANG_SERVER": serve_plan.server,
        }
    )
    try:
        if serve_plan.server == "granian":
            _serve_granian(serve_plan)
        else:
            _serve_uvicorn(serve_plan)
    finally:
        claim.close()


def claim_address(host: str, port: int) -> socket.socket:
    """Refuse to serve an address that another server already serves.

    granian binds every worker's socket with `SO_REUSEPORT`, so a second server on a taken
    port would start without an error and the kernel would give it half the connections:
    a release left running would answer every other request. Two checks, both released by
    the kernel when the process ends: a bind without `SO_REUSEPORT`, which fails while
    anything listens there, and an abstract Unix socket named by the address, which only
    one process can hold, so two servers starting at once cannot both pass.
    """
    address = f"{host}:{port}"
    claim = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        claim.bind(f"\0yiwang.serve.{address}")
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            # TIME_WAIT connections of a server that has stopped do not hold the port
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind((host, port))
    except OSError as exc:
        claim.close()
        if exc.errno == errno.EADDRINUSE:
            raise Conflict("serve.address_taken", address=address) from exc
        raise
    return claim


def _serve_granian(p: ServePlan) -> None:
    from granian.constants import Interfaces, Loops
    from granian.server import Server

    Server(
        WORKER_FACTORY,
        address=p.host,
        port=p.port,
        interface=Interfaces.ASGI,
        workers=p.workers,
        loop=Loops.uvloop,
        factory=True,
        log_access=False,
        log_level=p.log_level,  # type: ignore[arg-type]
        # SIGTERM: stop accepting, let in-flight requests finish, kill after the bound.
        workers_kill_timeout=p.shutdown_timeout,
        respawn_failed_workers=True,
    ).serve()


def listening_socket(host: str, port: int, backlog: int = 2048) -> socket.socket:
    """A TCP listening socket with TCP_NODELAY, which accepted sockets inherit on Linux."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind((host, port))
    sock.listen(backlog)
    sock.set_inheritable(True)
    return sock


def _serve_uvicorn(p: ServePlan) -> None:
    import uvicorn
    from uvicorn.supervisors import Multiprocess

    config = uvicorn.Config(
        WORKER_FACTORY,
        factory=True,
        host=p.host,
        port=p.port,
        workers=p.workers,
        loop="uvloop",
        http="httptools",
        lifespan="on",
        access_log=False,
        server_header=False,
        # the edge shell believes X-Forwarded-For from YIWANG_TRUSTED_PROXIES only
        proxy_headers=False,
        timeout_graceful_shutdown=p.shutdown_timeout,
        # A spawned worker imports the whole platform before it answers the supervisor's
        # first ping; uvicorn's 5 s default kills it in a loop on a busy machine.
        timeout_worker_healthcheck=120,
        log_level=p.log_level,
    )
    sock = listening_socket(p.host, p.port)
    if p.workers > 1:
        Multiprocess(config, sockets=[sock]).run()
    else:
        uvicorn.Server(config).run(sockets=[sock])


def import_factory(target: str) -> Callable[[], ASGIApp]:
    module, _, name = target.partition(":")
    factory: Callable[[], ASGIApp] = getattr(importlib.import_module(module), name)
    return factory


def worker_app() -> ASGIApp:
    """The factory every worker calls: the configured application, wrapped for serving."""
    settings = Settings.from_env()
    app = import_factory(settings.serve_app)()
    served = ServedApp(
        app,
        access_log=AccessLog(settings.access_log_mode, settings.access_log_sample),
        gc_tuned=settings.gc_tuned,
    )
    # Forwarded headers are the edge shell's business (platform/edge/forwarded.py), whatever
    # the server: one rule, one setting, YIWANG_TRUSTED_PROXIES.
    return served


class ServedApp:
    """What serving adds around an application, the same for every app it serves.

    - after the application's start-up completed: `heap.settle_after_startup()`;
    - on every response: our `server` header instead of the server's own;
    - on sampled requests: one access-log entry, queued for the writer thread.
    """

    def __init__(self, app: ASGIApp, *, access_log: AccessLog, gc_tuned: bool = True) -> None:
        self.app = app
        self.access_log = access_log
        self.gc_tuned = gc_tuned

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        kind = scope["type"]
        if kind == "http":
            if self.access_log.wants():
                await self._logged(scope, receive, send)
                return

            async def send_with_header(message: dict[str, Any]) -> None:
                if message["type"] == "http.response.start":
                    message["headers"] = _with_server_header(message.get("headers", ()))
                await send(message)

            await self.app(scope, receive, send_with_header)
        elif kind == "lifespan":
            await self.app(scope, receive, self._lifespan_send(send))
        else:
            await self.app(scope, receive, send)

    def _lifespan_send(self, send: Any) -> Any:
        async def lifespan_send(message: dict[str, Any]) -> None:
            if message["type"] == "lifespan.startup.complete" and self.gc_tuned:
                settle_after_startup()
            elif message["type"] == "lifespan.shutdown.complete":
                self.access_log.close()
            await send(message)

        return lifespan_send

    async def _logged(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        started = time.perf_counter()
        status = 500

        async def send_logged(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = _with_server_header(message.get("headers", ()))
            await send(message)

        try:
            await self.app(scope, receive, send_logged)
        finally:
            client = scope.get("client")
            self.access_log.record(
                (
                    scope["method"],
                    scope["path"],
                    status,
                    (time.perf_counter() - started) * 1000,
                    client[0] if client else None,
                )
            )


def _with_server_header(headers: Any) -> list[tuple[bytes, bytes]]:
    # The applications served here never set `server` themselves.
    return [*headers, SERVER_HEADER]
