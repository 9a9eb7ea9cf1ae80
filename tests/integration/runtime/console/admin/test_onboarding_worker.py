"""The onboarding job on the real worker path: the console's upload enqueues it on SAQ
(Redis), a worker in the web process runs it (`saq_function`, `SaqProgress`), and the
progress page follows it to its end: a file refused at a line, then the good file, then
the same file again. Each job must end (`complete`) with its result; a job left `active`
is the hang the browser walk saw once."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import psycopg
import pytest
from saq import Queue

from tests.integration.runtime.console.admin.conftest import (
    PROVINCE,
    ZONE_FILE,
    Admins,
    admin_app,
    admin_url,
)
from tests.integration.runtime.console.conftest import text_of
from tests.integration.stack import Stack
from yiwang.platform.i18n import translate
from yiwang.platform.settings import Settings
from yiwang.runtime.jobs.settings import JobSettings
from yiwang.tenants.tree import TenantTree


@pytest.fixture
async def on_saq(
    migrated: Settings, installed: TenantTree, services: Stack, cleanup: str, tmp_path: Path
) -> AsyncIterator[tuple[Admins, str]]:
    """The app with a SAQ worker of its own, on a queue nobody else takes jobs from."""
    queue = f"test-onboard-{uuid.uuid4().hex[:8]}"
    jobs = JobSettings(redis_url=migrated.redis_url, mode="in_process", queue_name=queue)
    async with admin_app(migrated, services, cleanup, tmp_path, jobs) as found:
        yield found, queue


async def _ended(admins: Admins, cookies: dict[str, str], location: str) -> str:
    """The progress page's text once the job has ended (bounded: 30 s)."""
    for _ in range(300):
        page = await admins.page(location, cookies)
        assert page.status_code == 200, (page.headers.get("location"), page.text)
        if 'data-state="complete"' in page.text or 'data-state="failed"' in page.text:
            return text_of(page.text)
        await asyncio.sleep(0.1)
    raise AssertionError(f"the job did not end: {text_of(page.text)}")


async def test_the_onboarding_job_ends_on_the_worker_whatever_the_file(
    on_saq: tuple[Admins, str], admin_sql: psycopg.Connection, purge_zone: str
) -> None:
    admins, queue = on_saq
    padmin = await admins.province_admin()
    bad = ZONE_FILE + "620173,新区,zone,629999\n"
    locations = []
    for content in (bad, ZONE_FILE, ZONE_FILE):
        status, location = await admins.upload(padmin, content.encode())
        assert status == 303, location
        assert location.startswith(admin_url(PROVINCE, "onboarding", "jobs", "onboard_divisions:"))
        locations.append(location)
        shown = await _ended(admins, padmin, location)
        assert translate("admin.job.state.complete") in shown, shown
        if content is bad:
            assert translate("divisions.parent_unknown", line=3, parent="629999") in shown
            assert (
                admin_sql.execute("SELECT 1 FROM tenants WHERE code = %s", (purge_zone,)).fetchone()
                is None
            )
    assert "新建 1 个地区" in await _ended(admins, padmin, locations[1])
    assert "没有变化" in await _ended(admins, padmin, locations[2])
    # SAQ itself holds each job as ended, with the whole progress written before the end
    inspect = Queue.from_url(admins.platform.settings.redis_url, name=queue)
    try:
        jobs = [await inspect.job(location.rsplit("/", 1)[-1]) for location in locations]
        assert [j.status if j else None for j in jobs] == ["complete"] * 3
        # the refused file stopped before its first region; the others wrote their last
        assert jobs[0] is not None and "progress" not in jobs[0].meta
        for job in jobs[1:]:
            assert job is not None and job.meta["progress"] == {"done": 1, "total": 1}
    finally:
        await inspect.disconnect()
