"""Attachments against the S3 API server (moto) and real PostgreSQL: the signed form, the
server's own checks after the upload, downloads, and who may see what.

moto enforces neither a POST policy's size range nor its Content-Type condition, so
every rejection here is the server's own doing."""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any
from urllib.parse import urlparse

import httpx
import psycopg
import pytest

from tests.integration.runtime.conftest import (
    CHENGGUAN,
    MAX_SIZE,
    Citizen,
    Running,
    running_app,
)
from tests.integration.runtime.uploads import begin, send, upload
from tests.unit.runtime.attachments import samples
from yiwang.platform.settings import Settings
from yiwang.platform.storage import S3Storage

pytestmark = pytest.mark.usefixtures("installed")


@pytest.fixture(scope="module")
async def app(migrated: Settings, installed: object) -> AsyncIterator[Running]:
    """One app for the module: building the platform and registering every route costs
    seconds a test on a loaded machine, and no test here changes the app's own state
    (each test signs in a citizen of its own, and the throttles are cleared per test)."""
    async with running_app(migrated) as running:
        yield running


def _s3(settings: Settings) -> S3Storage:
    if settings.storage_backend != "s3" or not settings.s3_endpoint_url:
        pytest.fail("the S3 API server is not configured: run the suite through `make test`")
    return S3Storage(
        settings.s3_bucket,
        endpoint_url=settings.s3_endpoint_url,
        access_key_id=settings.s3_access_key_id,
        secret_access_key=settings.s3_secret_access_key,
    )


async def test_presign_upload_verify_and_download(
    migrated: Settings,
    app: Running,
    citizens: Callable[[], Awaitable[Citizen]],
    tenant_ids: dict[str, int],
    attachment_rows: Callable[[], int],
    admin_sql: psycopg.Connection,
) -> None:
    citizen = await citizens()
    body = samples.png(32, 32)
    started = await begin(
        app.client,
        citizen.headers,
        name="经营场所平面图.png",
        size=len(body),
        content_type="image/png",
    )
    assert started.status_code == 201, started.text
    answer = started.json()
    attachment_id = answer["attachment"]["id"]
    hex_id = attachment_id.replace("-", "")
    tenant = tenant_ids[CHENGGUAN]
    assert answer["attachment"]["status"] == "awaiting_upload"
    assert answer["limits"] == {
        "max_size": MAX_SIZE,
        "accept": ["application/pdf", "image/jpeg", "image/png"],
    }
    form = answer["upload"]
    assert (form["method"], form["file_field"]) == ("POST", "file")
    # The key is the server's, under the tenant's prefix; the name is nowhere in it.
    assert form["fields"]["key"] == f"t/{tenant}/incoming/{hex_id}"
    policy = json.loads(base64.b64decode(form["fields"]["policy"]))
    assert ["content-length-range", len(body), len(body)] in policy["conditions"]
    assert {"Content-Type": "image/png"} in policy["conditions"]

    sent = await send(app.client, form, body)
    assert sent.status_code == 204, sent.text
    done = await app.client.post(
        f"/api/v1/t/{CHENGGUAN}/attachments/{attachment_id}/complete", headers=citizen.headers
    )
    assert done.status_code == 200, done.text
    assert done.json()["attachment"]["status"] == "pending"
    assert done.json()["job"] == f"verify_attachment:{tenant}:{hex_id}"

    # Inline jobs: the verification ran once the completion committed.
    read = await app.client.get(
        f"/api/v1/t/{CHENGGUAN}/attachments/{attachment_id}", headers=citizen.headers
    )
    assert read.status_code == 200, read.text
    assert read.json()["status"] == "verified"
    assert read.json()["value"] == {
        "key": f"t/{tenant}/attachments/{hex_id}",
        "name": "经营场所平面图.png",
        "size": len(body),
        "content_type": "image/png",
        "sha256": hashlib.sha256(body).hexdigest(),
    }
    stored = admin_sql.execute(
        "SELECT sha256, size, status FROM attachments WHERE id = %s", (attachment_id,)
    ).fetchone()
    assert stored == (hashlib.sha256(body).hexdigest(), len(body), "verified")
    s3 = _s3(migrated)
    assert await s3.exists(f"t/{tenant}/attachments/{hex_id}")
    assert not await s3.exists(f"t/{tenant}/incoming/{hex_id}")

    link = await app.client.get(
        f"/api/v1/t/{CHENGGUAN}/attachments/{attachment_id}/download",
        headers=citizen.headers,
        follow_redirects=False,
    )
    assert link.status_code == 303, link.text
    location = link.headers["location"]
    assert urlparse(location).netloc == urlparse(migrated.s3_endpoint_url or "").netloc
    async with httpx.AsyncClient() as browser:
        fetched = await browser.get(location)
    assert fetched.status_code == 200
    assert fetched.content == body
    assert fetched.headers["content-type"] == "image/png"
    assert fetched.headers["content-disposition"] == (
        "attachment; filename=\"attachment.png\"; filename*=UTF-8''"
        "%E7%BB%8F%E8%90%A5%E5%9C%BA%E6%89%80%E5%B9%B3%E9%9D%A2%E5%9B%BE.png"
    )
    audited = admin_sql.execute(
        "SELECT action, outcome, actor FROM audit_log WHERE object_type = 'attachment' "
        "AND object_id = %s ORDER BY seq",
        (attachment_id,),
    ).fetchall()
    assert [(a, o) for a, o, _ in audited] == [
        ("attachment.create", "success"),
        ("attachment.upload", "success"),
        ("attachment.verify", "success"),
        ("attachment.download", "success"),
    ]
    assert audited[2][2] == "system:verify_attachment"


async def _status(app: Running, headers: dict[str, str], attachment_id: str) -> dict[str, Any]:
    read = await app.client.get(
        f"/api/v1/t/{CHENGGUAN}/attachments/{attachment_id}", headers=headers
    )
    assert read.status_code == 200, read.text
    found: dict[str, Any] = read.json()
    return found


async def test_a_file_larger_than_the_policy_allowed_is_rejected(
    migrated: Settings,
    app: Running,
    citizens: Callable[[], Awaitable[Citizen]],
    tenant_ids: dict[str, int],
    attachment_rows: Callable[[], int],
) -> None:
    citizen = await citizens()
    body = samples.png() + b"\x00" * (MAX_SIZE + 1)
    # The form allows 1000 bytes; moto takes the whole file anyway.
    done = await upload(app.client, citizen.headers, body, declared_size=1000)
    attachment = done["attachment"]
    assert (attachment["status"], attachment["reason"]) == ("rejected", "too_large")
    assert attachment["message"] == "上传的文件超过允许的大小。"
    assert attachment["value"] is None and done["job"] is None
    hex_id = attachment["id"].replace("-", "")
    s3 = _s3(migrated)
    tenant = tenant_ids[CHENGGUAN]
    assert not await s3.exists(f"t/{tenant}/incoming/{hex_id}")
    assert not await s3.exists(f"t/{tenant}/attachments/{hex_id}")
    refused = await app.client.get(
        f"/api/v1/t/{CHENGGUAN}/attachments/{attachment['id']}/download",
        headers=citizen.headers,
        follow_redirects=False,
    )
    assert refused.status_code == 409
    assert refused.json()["error"] == {
        "code": "attachments.state",
        "message": "附件当前状态为“未通过检查”，不能下载。",
    }


async def test_a_file_of_another_size_than_declared_is_rejected(
    app: Running,
    citizens: Callable[[], Awaitable[Citizen]],
    attachment_rows: Callable[[], int],
) -> None:
    citizen = await citizens()
    body = samples.png()
    done = await upload(app.client, citizen.headers, body, declared_size=len(body) + 10)
    assert (done["attachment"]["status"], done["attachment"]["reason"]) == (
        "rejected",
        "size_mismatch",
    )


async def test_a_tampered_content_type_is_rejected(
    app: Running,
    citizens: Callable[[], Awaitable[Citizen]],
    attachment_rows: Callable[[], int],
) -> None:
    citizen = await citizens()
    done = await upload(
        app.client, citizen.headers, samples.html(), fields={"Content-Type": "text/html"}
    )
    attachment = done["attachment"]
    assert (attachment["status"], attachment["reason"]) == ("rejected", "content_type_tampered")


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (samples.html(), "type_mismatch"),
        (samples.svg(), "type_mismatch"),
        (samples.pdf(), "type_mismatch"),
        (samples.png(text=b"<html><script>alert(document.cookie)</script>"), "markup"),
    ],
    ids=["html", "svg", "pdf", "png-polyglot"],
)
async def test_files_posing_as_png_are_rejected_by_the_verification(
    app: Running,
    citizens: Callable[[], Awaitable[Citizen]],
    attachment_rows: Callable[[], int],
    body: bytes,
    reason: str,
) -> None:
    citizen = await citizens()
    done = await upload(app.client, citizen.headers, body, name="照片.png")
    # The HEAD check passes (right size, right declared type); reading the bytes does not.
    assert done["attachment"]["status"] == "pending"
    found = await _status(app, citizen.headers, done["attachment"]["id"])
    assert (found["status"], found["reason"]) == ("rejected", reason)


async def test_an_infected_pdf_is_rejected_and_removed(
    migrated: Settings,
    app: Running,
    citizens: Callable[[], Awaitable[Citizen]],
    tenant_ids: dict[str, int],
    attachment_rows: Callable[[], int],
) -> None:
    citizen = await citizens()
    done = await upload(
        app.client,
        citizen.headers,
        samples.eicar_pdf(),
        name="检测报告.pdf",
        content_type="application/pdf",
    )
    found = await _status(app, citizen.headers, done["attachment"]["id"])
    assert (found["status"], found["reason"]) == ("rejected", "infected")
    assert found["message"] == "文件未通过病毒检查（Eicar-Test-Signature）。"
    assert not await _s3(migrated).exists(
        f"t/{tenant_ids[CHENGGUAN]}/attachments/{found['id'].replace('-', '')}"
    )


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("../../etc/passwd.png", "attachments.name_invalid"),
        ("..\\boot.png", "attachments.name_invalid"),
        # bidi controls pass the edge's free-text rule; the name rule refuses them
        ("gnp\u202e.png", "attachments.name_invalid"),
        # C0 controls never get past the edge's JSON body check
        ("平面图\x00.png", "request.control_character"),
        ("平面图\x1b[2J.png", "request.control_character"),
    ],
)
async def test_names_with_paths_or_control_characters_are_refused_and_nothing_is_written(
    app: Running,
    citizens: Callable[[], Awaitable[Citizen]],
    attachment_rows: Callable[[], int],
    name: str,
    code: str,
) -> None:
    citizen = await citizens()
    before = attachment_rows()
    refused = await begin(app.client, citizen.headers, name=name, size=10, content_type="image/png")
    assert refused.status_code == 422, refused.text
    error = refused.json()["error"]
    assert (error["code"], error["pointer"]) == (code, "/name")
    assert attachment_rows() == before


@pytest.mark.parametrize(
    ("request_body", "code", "pointer"),
    [
        (
            {"name": "平面图.svg", "content_type": "image/svg+xml"},
            "attachments.type_not_accepted",
            "/content_type",
        ),
        (
            {"name": "平面图.html", "content_type": "image/png"},
            "attachments.extension_mismatch",
            "/name",
        ),
        ({"size": MAX_SIZE + 1}, "attachments.too_large", "/size"),
        ({"field": "operator_name"}, "attachments.field_not_attachment", "/field"),
        ({"field": "ghost"}, "attachments.field_unknown", "/field"),
        ({"type": "ghost"}, "attachments.type_unknown", "/type"),
    ],
)
async def test_a_request_outside_the_fields_limits_is_refused(
    app: Running,
    citizens: Callable[[], Awaitable[Citizen]],
    attachment_rows: Callable[[], int],
    request_body: dict[str, Any],
    code: str,
    pointer: str,
) -> None:
    citizen = await citizens()
    before = attachment_rows()
    payload = {
        "type": "food_business_license",
        "field": "layout_plan",
        "name": "平面图.png",
        "size": 10,
        "content_type": "image/png",
        **request_body,
    }
    refused = await app.client.post(
        f"/api/v1/t/{CHENGGUAN}/attachments", json=payload, headers=citizen.headers
    )
    assert refused.status_code == 422, refused.text
    assert (refused.json()["error"]["code"], refused.json()["error"]["pointer"]) == (code, pointer)
    assert attachment_rows() == before


async def test_completing_before_uploading_changes_nothing(
    app: Running,
    citizens: Callable[[], Awaitable[Citizen]],
    attachment_rows: Callable[[], int],
) -> None:
    citizen = await citizens()
    started = await begin(
        app.client, citizen.headers, name="a.png", size=10, content_type="image/png"
    )
    attachment_id = started.json()["attachment"]["id"]
    early = await app.client.post(
        f"/api/v1/t/{CHENGGUAN}/attachments/{attachment_id}/complete", headers=citizen.headers
    )
    found = await _status(app, citizen.headers, attachment_id)
    assert early.status_code == 409
    assert early.json()["error"]["code"] == "attachments.upload_missing"
    assert found["status"] == "awaiting_upload"


async def test_a_form_still_valid_after_verification_cannot_swap_the_file(
    app: Running,
    citizens: Callable[[], Awaitable[Citizen]],
    attachment_rows: Callable[[], int],
) -> None:
    citizen = await citizens()
    body = samples.png()
    started = await begin(
        app.client, citizen.headers, name="a.png", size=len(body), content_type="image/png"
    )
    form = started.json()["upload"]
    attachment_id = started.json()["attachment"]["id"]
    assert (await send(app.client, form, body)).status_code == 204
    await app.client.post(
        f"/api/v1/t/{CHENGGUAN}/attachments/{attachment_id}/complete", headers=citizen.headers
    )
    # The same signed form, used again with other bytes of the same size.
    swapped = samples.html().ljust(len(body), b" ")
    assert (await send(app.client, form, swapped)).status_code == 204
    link = await app.client.get(
        f"/api/v1/t/{CHENGGUAN}/attachments/{attachment_id}/download",
        headers=citizen.headers,
        follow_redirects=False,
    )
    async with httpx.AsyncClient() as browser:
        fetched = await browser.get(link.headers["location"])
    assert fetched.content == body
