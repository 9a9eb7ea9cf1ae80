"""Import uploads kept only as long as the imports need them, against the real services:
the `imports.sweep` job, on an SAQ worker, deletes an upload once its import ended and
the retention passed since (kept until then), and one whose import never ended once the
longer abandoned time passed since the upload; the import's page then says the file is
gone, beside its result, and an import whose upload was swept before it ran says so
instead of failing.

The times are a few seconds here, so that "older" comes from the real clocks: the
store's own times (its listing) and the job's end against the worker's."""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import timedelta
from typing import Any

import psycopg
import pytest
from saq import Queue

from tests.integration.runtime.conftest import (
    Running,
    run_cron_job,
    running_app,
    side_platform,
    special_fund,
)
from tests.integration.runtime.test_export_retention import _finished
from tests.integration.runtime.test_exports import _free_year, _staff
from tests.integration.runtime.test_imports import FUNDS, workbook
from tests.integration.stack import Stack
from yiwang.platform.i18n import translate
from yiwang.platform.settings import Settings
from yiwang.platform.storage import ObjectStorage, build_storage
from yiwang.runtime.jobs.definitions import IMPORT_SHEET, SWEEP_IMPORTS
from yiwang.runtime.jobs.exports_imports import import_job_key
from yiwang.runtime.jobs.queue import EXPORT_STATUS_MARGIN, owner_of
from yiwang.runtime.records.imports import XLSX_TYPE, import_key

pytestmark = pytest.mark.usefixtures("installed")

#: seconds an ended import's upload is kept, and one whose import never ended
RETENTION = 2
ABANDONED = 10
#: seconds between the old uploads and the fresh ones
APART = 6
PAGE = "/console/t/620000/lists/special_fund/imports/"


async def _refused_import(app: Running, headers: dict[str, str], year: int) -> str:
    """An import that ends refused (a code that does not exist): nothing is written."""
    rows = [special_fund("jyj", year, fund_kind="不存在的类别")]
    asked = await app.client.post(
        f"{FUNDS}/imports",
        headers={**headers, "content-type": XLSX_TYPE},
        content=workbook(rows),
    )
    assert asked.status_code == 202, asked.text
    status = await _finished(app, headers, asked.json()["status_url"])
    assert status["result"]["status"] == "invalid", status
    return str(asked.json()["import"])


async def _kept(storage: ObjectStorage, keys: dict[str, str]) -> dict[str, bool]:
    return {name: await storage.exists(key) for name, key in keys.items()}


async def test_ended_and_abandoned_uploads_are_swept_and_the_import_page_says_so(
    migrated: Settings,
    samples: dict[str, Any],
    services: Stack,
    cleanup: str,
    admin_sql: psycopg.Connection,
) -> None:
    storage = build_storage(migrated)
    login = f"imr.{cleanup}"
    async with running_app(
        migrated,
        jobs="in_process",
        import_retention=timedelta(seconds=RETENTION),
        import_abandoned=timedelta(seconds=ABANDONED),
    ) as app:
        leader = await _staff(
            services, app, login, "620000", [("dept_leader", "620000", False)], "jyj"
        )
        province = app.platform.directory.tree.node("620000").id
        year = _free_year(admin_sql)
        html = {**leader, "accept": "text/html"}

        # the old: an import that ended, and an upload whose import never ran (its unit
        # rolled back after the file was kept)
        ended = await _refused_import(app, leader, year)
        never = uuid.uuid4().hex
        await storage.put(import_key(province, never), workbook([]), XLSX_TYPE)
        put_at = time.monotonic()
        await asyncio.sleep(APART)  # past the retention; the store's times are whole seconds
        # the fresh: the same two, made after the retention passed
        fresh = await _refused_import(app, leader, year)
        younger = uuid.uuid4().hex
        await storage.put(import_key(province, younger), workbook([]), XLSX_TYPE)
        keys = {
            name: import_key(province, i)
            for name, i in (
                ("ended", ended),
                ("never", never),
                ("fresh", fresh),
                ("younger", younger),
            )
        }

        first = await run_cron_job(migrated, app, SWEEP_IMPORTS)
        after_first = await _kept(storage, keys)
        page = await app.client.get(PAGE + ended, headers=html)
        fresh_page = await app.client.get(PAGE + fresh, headers=html)

        # the old upload past the abandoned time, the younger one not
        await asyncio.sleep(put_at + ABANDONED + 1.5 - time.monotonic())
        second = await run_cron_job(migrated, app, SWEEP_IMPORTS)
        after_second = await _kept(storage, keys)

        # an import whose upload was swept before it ran: it says so, and so does its page
        row = admin_sql.execute("SELECT id FROM accounts WHERE login = %s", (login,)).fetchone()
        assert row is not None
        late = uuid.uuid4().hex
        async with side_platform(migrated, queue=app.platform.jobs.settings.queue_name) as side:
            await side.jobs.enqueue(
                IMPORT_SHEET,
                key=import_job_key(late),
                owner=owner_of(int(row[0])),
                kwargs={
                    "import_id": late,
                    "tenant_id": province,
                    "type_key": "special_fund",
                    "key": import_key(province, late),
                    "login": login,
                    "account_id": int(row[0]),
                    "restricted": False,
                    "department": None,
                },
            )
        late_status = await _finished(app, leader, f"/api/v1/jobs/{import_job_key(late)}")
        late_page = await app.client.get(PAGE + late, headers=html)
    inspect = Queue.from_url(migrated.redis_url, name=app.platform.jobs.settings.queue_name)
    try:
        job = await inspect.job(import_job_key(ended))
    finally:
        await inspect.disconnect()
    for key in keys.values():
        await storage.delete(key)

    assert after_first == {"ended": False, "never": True, "fresh": True, "younger": True}
    assert first["ended"] >= 1
    assert after_second == {"ended": False, "never": False, "fresh": False, "younger": True}
    assert second["ended"] >= 1 and second["abandoned"] >= 1
    # the ended import's page still shows its result, and says the file is gone
    assert page.status_code == 200, page.text
    assert translate("console_lists.import.refused", count=1) in page.text
    assert translate("console_lists.import.file_deleted") in page.text
    assert fresh_page.status_code == 200
    assert translate("console_lists.import.file_deleted") not in fresh_page.text
    assert late_status["result"] == {"status": "gone", "imported": 0}
    assert late_page.status_code == 200, late_page.text
    assert translate("console_lists.import.gone") in late_page.text
    # an import's status is kept as long as an abandoned upload, and a day more
    assert job is not None and job.ttl == ABANDONED + EXPORT_STATUS_MARGIN
