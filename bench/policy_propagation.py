"""How long a policy change takes to reach a second worker process.

A scratch database gets the Gansu tree, 10,000 staff accounts and 11,428
grants. A second process runs a worker's `PolicySync` (listening on Redis,
polling the database only every 30 s) and reports each new policy version the
moment its engine has been rebuilt and swapped in. This process then makes
changes through `PolicyAdmin` (the path the API and the command line take)
and times commit -> swapped on the other worker, on the shared monotonic clock.
The same run measures, as baselines, a bare Redis publish -> receive between
the two processes and the worker's own engine rebuild (load + build).
A second round runs the worker without Redis, where the poll interval bounds
propagation.

    eval "$(scripts/services.sh env test)"; uv run python bench/policy_propagation.py
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import psycopg
from redis.asyncio import Redis

from yiwang.platform import migrate
from yiwang.platform.cache import Cache
from yiwang.platform.database import create_engine, session_factory
from yiwang.platform.logging import configure_logging
from yiwang.platform.settings import Settings
from yiwang.policy.broadcast import CHANNEL, PolicySync
from yiwang.policy.catalogue import load_catalogue
from yiwang.policy.identity.accounts import Accounts
from yiwang.policy.identity.passwords import PasswordHashing
from yiwang.policy.identity.settings import IdentitySettings
from yiwang.policy.service import PolicyAdmin, SnapshotEngines
from yiwang.tenants.onboarding import service as onboarding

SCRATCH = "yiwang_bench_policy"
PING = "yiwang:bench:ping"
USERS = 10_000
CHANGES = 20


def scratch_settings() -> Settings:
    base = Settings.from_env()
    swap = lambda url: url.rsplit("/", 1)[0] + "/" + SCRATCH  # noqa: E731
    return replace(
        base,
        database_url=swap(base.database_url),
        migration_database_url=swap(base.migration_database_url),
    )


def prepare(settings: Settings) -> None:
    admin = os.environ["YIWANG_PG_ADMIN_URL"]
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {SCRATCH} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {SCRATCH} OWNER yiwang_owner")
    migrate.upgrade(settings)
    asyncio.run(_seed(settings))


async def _seed(settings: Settings) -> None:
    engine = create_engine(settings.database_url, pool_size=2)
    sessions = session_factory(engine)
    raw = (settings.templates_root / "gansu-divisions.csv").read_bytes()
    async with sessions() as session, session.begin():
        await onboarding.onboard(
            session,
            divisions=raw,
            template_name="gansu",
            templates_root=settings.templates_root,
            actor="bench",
        )
    await engine.dispose()
    # Accounts and grants in bulk, as the owner: the rows, not the checks, are the point.
    catalogue = load_catalogue(settings.templates_root)
    rng = random.Random(20261126)
    owner = settings.migration_database_url.replace("postgresql+psycopg", "postgresql")
    with psycopg.connect(owner) as conn:
        tenants = conn.execute("SELECT path, level FROM tenants").fetchall()
        by_level: dict[str, list[str]] = {}
        for path, level in tenants:
            by_level.setdefault(level, []).append(path)
        with conn.cursor().copy("COPY accounts (kind, login, login_index) FROM STDIN") as copy:
            for i in range(1, USERS + 1):
                copy.write_row(("staff", f"bench-{i}", f"bench-index-{i}"))
        ids = [r[0] for r in conn.execute("SELECT id FROM accounts ORDER BY id")]
        grantable = [r for r in catalogue.roles.values() if r.grantable]
        with conn.cursor().copy("COPY casbin_rule (ptype, v0, v1, v2) FROM STDIN") as copy:
            seen = set()
            for n, account_id in enumerate(ids):
                for _ in range(2 if n % 7 == 0 else 1):
                    level = rng.choices(["province", "prefecture", "county"], [1, 14, 85])[0]
                    role = rng.choice([r for r in grantable if level in r.levels] or grantable)
                    row = (
                        rng.choice(["g", "g2"]),
                        f"user:{account_id}",
                        role.key,
                        rng.choice(by_level[level]),
                    )
                    if row[1:] not in seen:
                        seen.add(row[1:])
                        copy.write_row(row)
        conn.execute("UPDATE policy_state SET version = version + 1")


async def worker(use_redis: bool, poll: float) -> None:
    """The second process: report each swapped-in version and answer pings."""
    configure_logging(level="WARNING")  # stdout carries the measurements
    settings = scratch_settings()
    engine = create_engine(settings.database_url, pool_size=2)
    redis = Redis.from_url(settings.redis_url) if use_redis else None
    sync = PolicySync(
        session_factory(engine), load_catalogue(settings.templates_root), redis, poll_seconds=poll
    )
    await sync.start()

    def say(**data: Any) -> None:
        print(json.dumps(data), flush=True)

    say(ready=sync.holder.version, grants=sync.holder.engine.grant_count)

    async def pings() -> None:
        if redis is None:
            return
        async with redis.pubsub() as pubsub:
            await pubsub.subscribe(PING)
            while True:
                message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=0.5)
                if message is not None:
                    say(ping=message["data"].decode(), at=time.monotonic())

    listener = asyncio.create_task(pings())
    version = sync.holder.version
    while not listener.done() or redis is None:
        current = sync.holder.version
        if current != version:
            version = current
            say(version=version, at=time.monotonic(), rebuilds=sync.rebuilds)
        await asyncio.sleep(0.0005)


class Worker:
    def __init__(self, use_redis: bool, poll: float) -> None:
        args = [sys.executable, __file__, "--worker", "--poll", str(poll)]
        if not use_redis:
            args.append("--no-redis")
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, text=True)
        assert self.proc.stdout is not None
        self.ready = self.next()

    def next(self) -> dict[str, Any]:
        assert self.proc.stdout is not None
        while True:
            line = self.proc.stdout.readline()
            if not line:
                raise RuntimeError("the worker exited")
            if line.startswith("{"):
                return dict(json.loads(line))

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=10)


async def measure(
    settings: Settings, work: Worker, changes: int, use_redis: bool
) -> dict[str, Any]:
    engine = create_engine(settings.database_url, pool_size=2)
    cache = Cache(settings.redis_url)
    catalogue = load_catalogue(settings.templates_root)
    committed: dict[int, float] = {}

    async def notify(version: int) -> None:
        committed[version] = time.monotonic()
        await cache.publish(CHANNEL, str(version))

    admin = PolicyAdmin(
        session_factory(engine),
        catalogue,
        Accounts(IdentitySettings.from_env("development").cipher(), PasswordHashing()),
        SnapshotEngines(catalogue),
        notify,
    )
    # A staff account made through the normal path, granted and revoked in turn.
    login = f"bench.{os.getpid()}.{int(use_redis)}"
    await admin.create_user(
        login=login,
        kind="staff",
        tenant_code="620102",
        department=None,
        display_name=None,
        actor="bench",
    )
    delays, pings = [], []
    for i in range(changes):
        if i % 2 == 0:
            result = await admin.grant(
                login=login,
                role="window_clerk",
                tenant_code="620102",
                subtree=False,
                granter=None,
                actor="bench",
            )
        else:
            result = await admin.revoke(
                login=login, role="window_clerk", tenant_code="620102", granter=None, actor="bench"
            )
        seen = work.next()
        assert seen["version"] == result["policy_version"], seen
        delays.append((seen["at"] - committed[result["policy_version"]]) * 1000)
        if use_redis:
            sent = time.monotonic()
            await cache.publish(PING, str(i))
            pong = work.next()
            pings.append((pong["at"] - sent) * 1000)
    # The worker's rebuild on its own: load the snapshot and build the engine.
    sync = PolicySync(session_factory(engine), catalogue, None)
    builds = []
    for _ in range(5):
        start = time.perf_counter()
        await sync.start()
        await sync.stop()
        builds.append((time.perf_counter() - start) * 1000)
    await cache.close()
    await engine.dispose()
    return {
        "median_ms": round(statistics.median(delays), 1),
        "max_ms": round(max(delays), 1),
        "pubsub_median_ms": round(statistics.median(pings), 2) if pings else None,
        "rebuild_median_ms": round(statistics.median(builds), 1),
        "grants": work.ready["grants"],
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--worker", action="store_true")
    parser.add_argument("--no-redis", action="store_true")
    parser.add_argument("--poll", type=float, default=30.0)
    parser.add_argument("--changes", type=int, default=CHANGES)
    args = parser.parse_args()
    if args.worker:
        asyncio.run(worker(not args.no_redis, args.poll))
        return
    settings = scratch_settings()
    prepare(settings)
    rows = []
    for label, use_redis, poll in (
        ("Redis broadcast (poll 30 s)", True, 30.0),
        ("no Redis, poll 1 s", False, 1.0),
    ):
        work = Worker(use_redis, poll)
        try:
            rows.append((label, asyncio.run(measure(settings, work, args.changes, use_redis))))
        finally:
            work.stop()
    print(
        "| worker | median ms | max ms | pub/sub ms (baseline) | rebuild ms (baseline) | grants |"
    )
    print("| --- | --- | --- | --- | --- | --- |")
    for label, r in rows:
        print(
            f"| {label} | {r['median_ms']} | {r['max_ms']} | {r['pubsub_median_ms'] or '—'} "
            f"| {r['rebuild_median_ms']} | {r['grants']} |"
        )
    admin = os.environ["YIWANG_PG_ADMIN_URL"]
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {SCRATCH} WITH (FORCE)")


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    main()
