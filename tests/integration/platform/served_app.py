"""A small app that `test_serve.py` runs through `yiwang serve --app`: what the server
did to it (heap, thresholds) and a slow route to stop the server under."""

from __future__ import annotations

import asyncio
import gc

from litestar import Litestar, get


@get("/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@get("/gc")
async def gc_state() -> dict[str, object]:
    return {"frozen": gc.get_freeze_count(), "thresholds": list(gc.get_threshold())}


@get("/slow/{seconds:float}")
async def slow(seconds: float) -> dict[str, float]:
    await asyncio.sleep(seconds)
    return {"slept": seconds}


def create() -> Litestar:
    return Litestar([healthz, gc_state, slow], openapi_config=None)
