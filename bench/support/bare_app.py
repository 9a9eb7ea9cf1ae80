"""The bare Litestar app of `bench/http_load.py`: one route per kind of platform route,
answering a body of the same size, with no middleware, guard, database or template.

The bodies are what the platform answered in the same run, saved by the harness
in `$YIWANG_BARE_BODIES`: JSON routes return the decoded value (so Litestar
encodes the same JSON), the others return the saved bytes as they are.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from litestar import Litestar, MediaType, Response, get


def create() -> Litestar:
    bodies = Path(os.environ["YIWANG_BARE_BODIES"])

    def saved(name: str) -> bytes:
        """A saved body; b"" for one this run did not save (`dashboard_http.py` saves one)."""
        path = bodies / name
        return path.read_bytes() if path.exists() else b""

    health = json.loads(saved("healthz.json") or b"{}")
    tenants = json.loads(saved("tenants.json") or b"[]")
    descriptor = saved("descriptor.json")
    subsite = saved("subsite.html")
    # every saved page: the portal's of `http_load.py`, the dashboard of `dashboard_http.py`
    pages = {path.stem: path.read_bytes() for path in bodies.glob("*.html")}

    @get("/bare/healthz")
    async def bare_health() -> dict[str, Any]:
        return health  # type: ignore[no-any-return]

    @get("/bare/tenants")
    async def bare_tenants() -> list[Any]:
        return tenants  # type: ignore[no-any-return]

    @get("/bare/descriptor")
    async def bare_descriptor() -> Response[bytes]:
        return Response(descriptor, media_type=MediaType.JSON)

    @get("/bare/subsite")
    async def bare_subsite() -> Response[bytes]:
        return Response(subsite, media_type=MediaType.HTML)

    @get("/bare/{name:str}")
    async def bare_page(name: str) -> Response[bytes]:
        kind = MediaType.JSON if name.endswith("_api") else MediaType.HTML
        return Response(pages[name], media_type=kind)

    return Litestar(
        [bare_health, bare_tenants, bare_descriptor, bare_subsite, bare_page], openapi_config=None
    )
