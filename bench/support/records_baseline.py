"""The hand-written baseline of `bench/records_create.py`: one Litestar route that
stores an application's payload in a fixed table, and nothing else.

It decodes the same body (msgspec), inserts it into `bench_applications` (a
plain table, no RLS) through the same driver and pool settings the platform
uses, and answers 201 with the new id. No guard, validation, history, audit,
idempotency key or tenant scope: what "a hand-written endpoint" costs.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import msgspec
from litestar import Litestar, MediaType, Request, Response, get, post
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

DDL = (
    "CREATE TABLE IF NOT EXISTS bench_applications ("
    " id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, tenant_id bigint NOT NULL,"
    " service_item bigint NOT NULL, data jsonb NOT NULL, form jsonb,"
    " created_at timestamptz NOT NULL DEFAULT now())"
)


class Body(msgspec.Struct):
    data: dict[str, Any]
    form: dict[str, Any] | None = None


def create() -> Litestar:
    engine = create_async_engine(os.environ["DATABASE_URL"], pool_size=10)
    decoder = msgspec.json.Decoder(Body)

    @get("/bare/healthz")
    async def bare_health() -> dict[str, str]:
        return {"status": "ok"}

    @post("/bare/t/{tenant:int}/services/{service:int}/applications", status_code=201)
    async def bare_apply(
        request: Request[Any, Any, Any], tenant: int, service: int
    ) -> dict[str, int]:
        body = decoder.decode(await request.body())
        async with engine.begin() as conn:
            made = await conn.scalar(
                text(
                    "INSERT INTO bench_applications (tenant_id, service_item, data, form)"
                    " VALUES (:t, :s, CAST(:d AS jsonb), CAST(:f AS jsonb)) RETURNING id"
                ),
                {
                    "t": tenant,
                    "s": service,
                    "d": msgspec.json.encode(body.data).decode(),
                    "f": msgspec.json.encode(body.form).decode() if body.form is not None else None,
                },
            )
        return {"id": int(made or 0)}

    page_file = os.environ.get("YIWANG_BARE_PAGE")
    page = Path(page_file).read_bytes() if page_file else b"{}"

    @get("/bare/page")
    async def bare_page() -> Response[bytes]:
        return Response(page, media_type=MediaType.JSON)

    return Litestar([bare_health, bare_apply, bare_page])
