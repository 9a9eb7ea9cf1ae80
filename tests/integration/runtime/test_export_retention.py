"""Export files kept only as long as the retention, against the real services: the
`exports.sweep` job, on an SAQ worker, deletes the files of both exports once they are
older than `Settings.export_retention` and nothing else (a fresh export, an attachment,
an import and a certificate of the same age stay), and the download of a swept export
answers 410 with its own code and message, for the API and the console alike.

The retention is a few seconds here, so that "older" comes from the real clocks: the
store's own times (its listing) against the worker's."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import pytest
from saq import Queue

from tests.integration.runtime.conftest import Citizen, Running, run_cron_job, running_app
from tests.integration.runtime.supervision.conftest import signed_in_staff
from tests.integration.runtime.uploads import upload
from tests.integration.stack import Stack
from tests.unit.runtime.attachments import samples as files
from yiwang.platform.i18n import translate
from yiwang.platform.settings import Settings
from yiwang.platform.storage import build_storage
from yiwang.runtime.jobs.definitions import SWEEP_EXPORTS
from yiwang.runtime.jobs.queue import EXPORT_STATUS_MARGIN

pytestmark = pytest.mark.usefixtures("installed")

#: seconds an export is kept in these tests
RETENTION = 4
ITEMS = "/api/v1/t/620102/records/service_item"
LANZHOU = "/api/v1/t/620100/subtree/supervision"
#: a day without cases: the export is a header only, a file all the same
EMPTY_DAY = {
    "filter.submitted_at.gte": "2031-01-05T00:00:00+00:00",
    "filter.submitted_at.lt": "2031-01-06T00:00:00+00:00",
}


async def _finished(app: Running, headers: dict[str, str], url: str) -> dict[str, Any]:
    for _ in range(600):
        status: dict[str, Any] = (await app.client.get(url, headers=headers)).json()
        if status["state"] in ("complete", "failed"):
            assert status["state"] == "complete", status
            return status
        await asyncio.sleep(0.1)
    raise AssertionError(f"{url} did not finish: {status}")


async def _export(
    app: Running, path: str, headers: dict[str, str], **params: str
) -> dict[str, Any]:
    """Ask for an export, follow its job to the end; the answer, with the job's result."""
    asked = await app.client.post(f"{path}/exports", headers=headers, params=params)
    assert asked.status_code == 202, asked.text
    body: dict[str, Any] = asked.json()
    body["result"] = (await _finished(app, headers, body["status_url"]))["result"]
    return body


async def test_old_exports_are_swept_and_nothing_else_and_their_download_says_so(
    migrated: Settings,
    samples: dict[str, Any],
    services: Stack,
    cleanup: str,
    citizens: Callable[[], Awaitable[Citizen]],
    attachment_rows: Callable[[], int],
) -> None:
    retention = timedelta(seconds=RETENTION)
    storage = build_storage(migrated)
    others = [
        "t/{0}/imports/" + uuid.uuid4().hex + ".xlsx",  # an import's upload
        "t/{0}/exports/readme.txt",  # a name no export is given
        f"certificates/GS{uuid.uuid4().hex[:16]}/certificate.pdf",
    ]
    async with running_app(migrated, jobs="in_process", export_retention=retention) as app:
        assert app.platform.saq is not None
        tree = app.platform.directory.tree
        county, lanzhou = tree.node("620102").id, tree.node("620100").id
        others = [k.format(county) for k in others]
        clerk = await signed_in_staff(
            app.client,
            services,
            app.platform,
            f"sweep.{cleanup}",
            [("county_operator", "620102", False)],
            "620102",
        )
        supervisor = await signed_in_staff(
            app.client,
            services,
            app.platform,
            f"sweepsup.{cleanup}",
            [("supervisor", "620100", True)],
            "620100",
        )
        app.client.cookies.clear()
        citizen = await citizens()

        # the old: an export of each kind, an attachment, an import, a certificate
        old_list = await _export(app, ITEMS, clerk)
        old_cases = await _export(app, LANZHOU, supervisor, **EMPTY_DAY)
        attached = await upload(app.client, citizen.headers, files.png(32, 32))
        await _finished(app, citizen.headers, f"/api/v1/jobs/{attached['job']}")
        attachment_key = f"t/{county}/attachments/" + attached["attachment"]["id"].replace("-", "")
        for key in others:
            await storage.put(key, b"kept", "application/octet-stream")
        old_keys = [old_list["result"]["key"], old_cases["result"]["key"]]
        assert old_keys[0].startswith(f"t/{county}/exports/")
        assert old_keys[1].startswith(f"t/{lanzhou}/exports/supervision-")
        assert all([await storage.exists(k) for k in old_keys])

        await asyncio.sleep(RETENTION + 1.5)  # the store's times are whole seconds
        fresh = await _export(app, ITEMS, clerk)

        swept = await run_cron_job(migrated, app, SWEEP_EXPORTS)
        assert swept["deleted"] >= 2

        gone = {k: await storage.exists(k) for k in old_keys}
        kept = {
            k: await storage.exists(k) for k in [fresh["result"]["key"], attachment_key, *others]
        }
        listed = await app.client.get(old_list["download_url"], headers=clerk)
        cases = await app.client.get(old_cases["download_url"], headers=supervisor)
        fresh_link = await app.client.get(fresh["download_url"], headers=clerk)
        console = await app.client.get(
            f"/console/t/620102/lists/service_item/exports/{old_list['export']}/download",
            headers={**clerk, "accept": "text/html"},
        )
        attachment = await app.client.get(
            f"/api/v1/t/620102/attachments/{attached['attachment']['id']}",
            headers=citizen.headers,
        )
    inspect = Queue.from_url(migrated.redis_url, name=app.platform.jobs.settings.queue_name)
    try:
        job = await inspect.job(old_list["job"])
    finally:
        await inspect.disconnect()
    for key in [fresh["result"]["key"], *others]:
        await storage.delete(key)

    assert gone == {k: False for k in old_keys}
    assert kept == {k: True for k in kept}
    assert (listed.status_code, listed.json()["error"]["code"]) == (410, "lists.export.expired")
    assert listed.json()["error"]["message"] == translate("lists.export.expired", days=1)
    assert "请重新导出" in listed.json()["error"]["message"]
    assert (cases.status_code, cases.json()["error"]["code"]) == (
        410,
        "supervision.export_expired",
    )
    assert fresh_link.status_code == 200 and fresh_link.json()["rows"] > 0
    assert console.status_code == 410 and "请重新导出" in console.text
    assert attachment.status_code == 200 and attachment.json()["status"] == "verified"
    # the export's status outlives its file, so the download can say what became of it
    assert job is not None and job.ttl == RETENTION + EXPORT_STATUS_MARGIN
