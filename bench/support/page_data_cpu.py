"""CPU per list page of what its rows carry: the whole documents (before), the view's
columns by `data->'key'` (each decompressing the document), and the view's columns over
the lateral read once (what `compile_page` writes now).

psycopg alone in one session, prepared statements, the app role with the tenant's
scope; CPU of this process and of its backend from `/proc/PID/stat` (so PostgreSQL
must run on this machine). The statement is `ListService`'s own for the public index of
service items filtered on `task_type` (see `bench/records_list.py`).

    eval "$(scripts/services.sh env test)"
    uv run python bench/support/page_data_cpu.py --tenant 620100
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import sys
import time
from pathlib import Path
from typing import Any

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from records_list import OPEN, TYPE, VIEW

from yiwang.metadata.versions.model_cache import ModelCache
from yiwang.platform.cache import Cache
from yiwang.platform.database import create_engine, session_factory
from yiwang.platform.settings import Settings
from yiwang.platform.tenant_context import TenantScope
from yiwang.platform.unit_of_work import unit_of_work
from yiwang.policy.identity.settings import IdentitySettings
from yiwang.runtime.lists.compile import compile_page
from yiwang.runtime.lists.service import ListService
from yiwang.runtime.records.privacy import PiiSeal
from yiwang.runtime.records.service import RecordService
from yiwang.tenants.tree import TenantTree

LATERAL = re.compile(
    r" CROSS JOIN LATERAL \(SELECT data \|\| jsonb_build_object\(\) AS doc OFFSET 0\) AS shown"
)
SHOWN = re.compile(r"jsonb_build_object\('.*?\) AS data")


async def statement(tenant: str, code: str) -> tuple[int, str, dict[str, Any]]:
    settings = Settings.from_env()
    engine = create_engine(settings.database_url, pool_size=1)
    cache = Cache(settings.redis_url)
    seal = PiiSeal(IdentitySettings.from_env(settings).cipher())
    try:
        sessions = session_factory(engine)
        async with unit_of_work(sessions, actor="bench") as uow:
            tree = await TenantTree.load(uow.session)
        node = tree.node(tenant)
        async with unit_of_work(sessions, actor="bench") as uow:
            await uow.use_scope(TenantScope.single(node.id))
            models = ModelCache(cache)
            document = RecordService.item_document(
                await models.effective(uow.session, tree, node.code), TYPE
            )
            lists = ListService(uow, tree, models, seal)
            plan = lists.plan(document, VIEW, {"view": [VIEW], "filter.task_type": [code]})
            compiled = compile_page(document, plan, tenant_ids=(node.id,), **OPEN)
    finally:
        await cache.close()
        await engine.dispose()
    return node.id, compiled.sql, compiled.params


def cpu_ticks(pid: int) -> int:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


async def measure(args: argparse.Namespace) -> None:
    tenant_id, now, params = await statement(args.tenant, args.code)
    assert LATERAL.search(now) and SHOWN.search(now), now
    variants = {
        "whole documents (before)": SHOWN.sub("data", LATERAL.sub("", now)),
        "jsonb_build_object of data->'key'": LATERAL.sub("", now).replace("shown.doc->", "data->"),
        "the same over the lateral, read once (now)": now,
    }
    url = Settings.from_env().database_url.replace("postgresql+psycopg://", "postgresql://")
    conn = await psycopg.AsyncConnection.connect(url, prepare_threshold=5, autocommit=True)
    scope = f"{{{tenant_id}}}"
    await conn.execute(
        "SELECT set_config('yiwang.tenant_id', %s, false),"
        " set_config('yiwang.visible_tenants', %s, false)",
        (str(tenant_id), scope),
    )
    bound = dict(params)
    tick = os.sysconf("SC_CLK_TCK")
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"{args.pages} pages per round, {time.strftime('%H:%M')} UTC, load average {load}")
    results: dict[str, list[tuple[float, float]]] = {}
    for _ in range(args.rounds):
        for name, sql in variants.items():
            text = re.sub(r":(\w+)", r"%(\1)s", sql)
            for _ in range(20):
                await (await conn.execute(text, bound)).fetchall()
            backend, client = cpu_ticks(conn.pgconn.backend_pid), time.process_time()
            for _ in range(args.pages):
                rows = await (await conn.execute(text, bound)).fetchall()
            assert len(rows) == 21
            results.setdefault(name, []).append(
                (
                    (time.process_time() - client) / args.pages * 1000,
                    (cpu_ticks(conn.pgconn.backend_pid) - backend) / tick / args.pages * 1000,
                )
            )
    await conn.close()
    print("| the page's `data` | client CPU (ms) | backend CPU (ms) |")
    print("| --- | --- | --- |")
    for name, runs in results.items():
        client_ms = ", ".join(f"{c:.2f}" for c, _ in runs)
        backend_ms = ", ".join(f"{b:.2f}" for _, b in runs)
        print(f"| {name} | {client_ms} | {backend_ms} |")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tenant", default="620100")
    parser.add_argument("--code", default="10")
    parser.add_argument("--pages", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=2)
    asyncio.run(measure(parser.parse_args()))


if __name__ == "__main__":
    main()
