"""Cost of subsite resolution per request, as a ratio to the same app without it.

Both apps serve the same trivial routes in this process; requests go straight to
the ASGI callable (no network), alternating in rounds so machine noise hits both
alike. Run: `uv run python bench/subsite_middleware.py` (Redis optional).
"""

from __future__ import annotations

import asyncio
import os
import statistics
import time
from pathlib import Path
from typing import Any

from litestar import Litestar, get

from yiwang.platform.cache import Cache
from yiwang.tenants.directory import TenantDirectory
from yiwang.tenants.models import Tenant
from yiwang.tenants.onboarding.divisions import parse_divisions
from yiwang.tenants.onboarding.tenant_templates import load_template
from yiwang.tenants.subsite import SubsiteResolver
from yiwang.tenants.tree import TenantTree

ROOT = Path(__file__).resolve().parents[1]
ROUNDS, PER_ROUND = 30, 400


@get("/r/{code:str}/ping")
async def subsite_ping(code: str) -> str:
    return code


@get("/api/ping")
async def api_ping() -> str:
    return "pong"


def gansu_directory() -> TenantDirectory:
    template = load_template(ROOT / "tenant_templates", "gansu")
    rows = parse_divisions((ROOT / "tenant_templates" / "gansu-divisions.csv").read_bytes())
    tenants: list[Tenant] = []
    by_code: dict[str, Tenant] = {}
    for i, d in enumerate(rows, start=1):
        parent = by_code.get(d.parent_code or "")
        t = Tenant(
            id=i,
            code=d.code,
            name=d.name,
            level=d.level.value,
            parent_id=parent.id if parent else None,
            path=f"{parent.path}/{d.code}" if parent else f"/{d.code}",
            status="active",
            slug=template.slugs.get(d.code, d.code),
            hosts=list(template.hosts.get(d.code, ())),
        )
        by_code[d.code] = t
        tenants.append(t)
    directory = TenantDirectory(None, Cache(os.environ.get("REDIS_URL", "redis://127.0.0.1:1/0")))  # type: ignore[arg-type]
    directory.tree = TenantTree.from_rows(tenants)  # never started: no reloads during the run
    return directory


async def call(app: Any, path: str, host: bytes, state: dict[str, Any] | None = None) -> None:
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", host)],
        "client": ("127.0.0.1", 1),
        "server": ("127.0.0.1", 8000),
    }
    if state is not None:
        scope["state"] = dict(state)
    sent: list[Any] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Any) -> None:
        sent.append(message)

    await app(scope, receive, send)
    assert sent[0]["status"] == 200, sent


async def per_request(
    app: Any, path: str, host: bytes, state: dict[str, Any] | None = None, n: int = PER_ROUND
) -> float:
    start = time.perf_counter()
    for _ in range(n):
        await call(app, path, host, state)
    return (time.perf_counter() - start) / n


async def real_page_case() -> str | None:
    """The real subsite page (database query and template), when the services are up:
    the same app with the resolver, and with it bypassed and its result put in the scope."""
    if not os.environ.get("DATABASE_URL"):
        return None
    from yiwang.app import create_app
    from yiwang.tenants.subsite import STATE_KEY

    app = create_app()
    async with app.lifespan():
        wrapped_handler = app.asgi_handler
        inner = wrapped_handler.app  # type: ignore[attr-defined]
        state = {STATE_KEY: wrapped_handler.directory.tree.node("620102")}  # type: ignore[attr-defined]
        path, host = "/r/620102/", b"127.0.0.1:8000"
        base, resolved = [], []
        for _ in range(ROUNDS // 3):
            app.asgi_handler = inner
            base.append(await per_request(app, path, host, state, n=40))
            app.asgi_handler = wrapped_handler
            resolved.append(await per_request(app, path, host, n=40))
    b, r = statistics.median(base), statistics.median(resolved)
    return row("real page /r/620102/ (DB + template)", b, r)


def row(name: str, base: float, resolved: float) -> str:
    ratio = resolved / base
    return (
        f"| {name} | {base * 1e6:.1f} | {resolved * 1e6:.1f} | {ratio:.3f} "
        f"| {(ratio - 1) * 100:+.1f}% |"
    )


async def main() -> None:
    plain = Litestar([subsite_ping, api_ping], openapi_config=None)
    wrapped = Litestar([subsite_ping, api_ping], openapi_config=None)
    wrapped.asgi_handler = SubsiteResolver(
        wrapped.asgi_handler, gansu_directory(), "yiwang.localhost"
    )
    cases = {
        "path /r/620102/ping": ("/r/620102/ping", b"127.0.0.1:8000"),
        "slug host, /api/ping": ("/api/ping", b"chengguan.yiwang.localhost"),
    }
    for app in (plain, wrapped):
        for path, host in cases.values():
            await per_request(app, path, host)  # warm up
    print("| case | without (µs) | with (µs) | ratio | overhead |")
    print("| --- | --- | --- | --- | --- |")
    for name, (path, host) in cases.items():
        base, resolved = [], []
        for _ in range(ROUNDS):
            base.append(await per_request(plain, path, host))
            resolved.append(await per_request(wrapped, path, host))
        b, r = statistics.median(base), statistics.median(resolved)
        print(
            f"| {name} | {b * 1e6:.1f} | {r * 1e6:.1f} | {r / b:.3f} | {(r / b - 1) * 100:+.1f}% |"
        )
    real = await real_page_case()
    if real:
        print(real)


if __name__ == "__main__":
    asyncio.run(main())
