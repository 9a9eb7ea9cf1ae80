"""S3 down: an upload fails with a clear 503 and nothing half-written remains.

Signing a form needs no request to S3, so the start of an upload pings the store
first; a completion that cannot reach the store changes nothing and may be retried.
An upload that stops half-way is swept once its form has expired."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import psycopg
import pytest

from tests.integration.runtime.conftest import CHENGGUAN, Citizen, running_app, side_platform
from tests.integration.runtime.uploads import begin, send
from tests.unit.runtime.attachments import samples
from yiwang.platform.settings import Settings
from yiwang.platform.storage import S3Storage
from yiwang.runtime.jobs.definitions import SWEEP_ATTACHMENTS

pytestmark = pytest.mark.usefixtures("installed")

CLOSED_PORT = "http://127.0.0.1:1"


async def test_starting_an_upload_with_s3_stopped_is_a_503_and_writes_nothing(
    migrated: Settings,
    citizens: Callable[[], Awaitable[Citizen]],
    attachment_rows: Callable[[], int],
    admin_sql: psycopg.Connection,
) -> None:
    citizen = await citizens()
    before = attachment_rows()
    audits = admin_sql.execute(
        "SELECT count(*) FROM audit_log WHERE object_type = 'attachment'"
    ).fetchone()
    async with running_app(migrated, s3_endpoint_url=CLOSED_PORT, storage_backend="s3") as app:
        refused = await begin(
            app.client, citizen.headers, name="a.png", size=10, content_type="image/png"
        )
    assert refused.status_code == 503, refused.text
    assert refused.json()["error"] == {
        "code": "service.storage_unavailable",
        "message": "文件存储服务暂时不可用，上传未完成，请稍后重试。",
    }
    assert attachment_rows() == before
    assert (
        admin_sql.execute(
            "SELECT count(*) FROM audit_log WHERE object_type = 'attachment'"
        ).fetchone()
        == audits
    )


async def test_completing_with_s3_stopped_is_a_503_and_changes_nothing(
    migrated: Settings,
    citizens: Callable[[], Awaitable[Citizen]],
    attachment_rows: Callable[[], int],
    admin_sql: psycopg.Connection,
) -> None:
    citizen = await citizens()
    body = samples.png()
    async with running_app(migrated) as app:
        started = await begin(
            app.client, citizen.headers, name="a.png", size=len(body), content_type="image/png"
        )
        assert (await send(app.client, started.json()["upload"], body)).status_code == 204
    attachment_id = started.json()["attachment"]["id"]
    async with running_app(migrated, s3_endpoint_url=CLOSED_PORT) as down:
        refused = await down.client.post(
            f"/api/v1/t/{CHENGGUAN}/attachments/{attachment_id}/complete", headers=citizen.headers
        )
    assert refused.status_code == 503
    assert refused.json()["error"]["code"] == "service.storage_unavailable"
    row = admin_sql.execute(
        "SELECT status FROM attachments WHERE id = %s", (attachment_id,)
    ).fetchone()
    assert row == ("awaiting_upload",)
    # S3 is back: the same completion goes through.
    async with running_app(migrated) as app:
        done = await app.client.post(
            f"/api/v1/t/{CHENGGUAN}/attachments/{attachment_id}/complete", headers=citizen.headers
        )
    assert done.status_code == 200
    assert done.json()["attachment"]["status"] == "pending"


async def test_the_sweeper_removes_an_upload_never_completed(
    migrated: Settings,
    citizens: Callable[[], Awaitable[Citizen]],
    tenant_ids: dict[str, int],
    attachment_rows: Callable[[], int],
    admin_sql: psycopg.Connection,
) -> None:
    citizen = await citizens()
    body = samples.png()
    s3 = S3Storage(
        migrated.s3_bucket,
        endpoint_url=migrated.s3_endpoint_url,
        access_key_id=migrated.s3_access_key_id,
        secret_access_key=migrated.s3_secret_access_key,
    )
    async with running_app(migrated) as app:
        abandoned = await begin(
            app.client, citizen.headers, name="a.png", size=len(body), content_type="image/png"
        )
        assert (await send(app.client, abandoned.json()["upload"], body)).status_code == 204
        kept = await begin(
            app.client, citizen.headers, name="b.png", size=len(body), content_type="image/png"
        )
        gone_id = abandoned.json()["attachment"]["id"]
        kept_id = kept.json()["attachment"]["id"]
        # The first form expired an hour ago; the second is still valid.
        admin_sql.execute(
            "UPDATE attachments SET upload_expires_at = now() - interval '1 hour' WHERE id = %s",
            (gone_id,),
        )
    async with side_platform(migrated, queue="unused", jobs="inline") as worker_side:
        status = await worker_side.jobs.run_inline(
            SWEEP_ATTACHMENTS, key="test-sweep", owner="system", kwargs={}
        )
    assert status.state == "complete"
    assert status.result is not None and status.result["expired"] >= 1
    rows = admin_sql.execute(
        "SELECT id::text FROM attachments WHERE id = ANY(%s::uuid[])", ([gone_id, kept_id],)
    ).fetchall()
    assert rows == [(kept_id,)]
    incoming = f"t/{tenant_ids[CHENGGUAN]}/incoming/{gone_id.replace('-', '')}"
    assert not await s3.exists(incoming)
    audited = admin_sql.execute(
        "SELECT actor, action FROM audit_log WHERE object_id = %s ORDER BY seq", (gone_id,)
    ).fetchall()
    assert audited[-1] == ("system:sweep_attachments", "attachment.expire")
