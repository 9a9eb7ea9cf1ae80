"""The local backend (`make run`): the same client protocol, through the application's own
upload and download endpoints, with the limits S3's policy states."""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

from tests.integration.runtime.conftest import CHENGGUAN, Citizen, running_app
from tests.integration.runtime.uploads import begin, send, upload
from tests.unit.runtime.attachments import samples
from yiwang.platform.settings import Settings

pytestmark = pytest.mark.usefixtures("installed")


def _local(settings: Settings, root: Path) -> dict[str, object]:
    return {"storage_backend": "local", "storage_local_root": root / "objects"}


def _files(root: Path) -> list[Path]:
    return [p for p in (root / "objects").rglob("*") if p.is_file()]


async def test_upload_verify_and_download_through_the_local_endpoints(
    migrated: Settings,
    citizens: Callable[[], Awaitable[Citizen]],
    tenant_ids: dict[str, int],
    attachment_rows: Callable[[], int],
    tmp_path: Path,
) -> None:
    citizen = await citizens()
    body = samples.pdf(b"x" * 5000)
    async with running_app(migrated, **_local(migrated, tmp_path)) as app:
        started = await begin(
            app.client,
            citizen.headers,
            name="卫生检测报告.pdf",
            size=len(body),
            content_type="application/pdf",
        )
        form = started.json()["upload"]
        assert form["url"].startswith("/api/v1/uploads/")
        assert form["fields"] == {"Content-Type": "application/pdf"}
        # The form is the permission: no session is sent with it, as with S3.
        assert (await send(app.client, form, body)).status_code == 204
        attachment_id = started.json()["attachment"]["id"]
        done = await app.client.post(
            f"/api/v1/t/{CHENGGUAN}/attachments/{attachment_id}/complete", headers=citizen.headers
        )
        assert done.json()["attachment"]["status"] == "pending"
        read = await app.client.get(
            f"/api/v1/t/{CHENGGUAN}/attachments/{attachment_id}", headers=citizen.headers
        )
        assert read.json()["value"]["sha256"] == hashlib.sha256(body).hexdigest()
        link = await app.client.get(
            f"/api/v1/t/{CHENGGUAN}/attachments/{attachment_id}/download",
            headers=citizen.headers,
            follow_redirects=False,
        )
        assert link.status_code == 303
        assert link.headers["location"].startswith("/api/v1/downloads/")
        fetched = await app.client.get(link.headers["location"])
    assert fetched.status_code == 200
    assert fetched.content == body
    assert fetched.headers["content-type"] == "application/pdf"
    assert fetched.headers["x-content-type-options"] == "nosniff"
    assert fetched.headers["content-disposition"] == (
        "attachment; filename=\"attachment.pdf\"; filename*=UTF-8''"
        "%E5%8D%AB%E7%94%9F%E6%A3%80%E6%B5%8B%E6%8A%A5%E5%91%8A.pdf"
    )
    tenant = tenant_ids[CHENGGUAN]
    hex_id = attachment_id.replace("-", "")
    assert (tmp_path / f"objects/t/{tenant}/attachments/{hex_id}").read_bytes() == body
    assert _files(tmp_path) == [tmp_path / f"objects/t/{tenant}/attachments/{hex_id}"]


@pytest.mark.parametrize(
    ("change", "fields", "code"),
    [
        (lambda b: b + b"\x00" * 100, None, "storage.object_too_large"),
        (lambda b: b[:-1], None, "attachments.upload_form_invalid"),
        (lambda b: b, {"Content-Type": "text/html"}, "attachments.upload_form_invalid"),
    ],
    ids=["larger", "smaller", "tampered-type"],
)
async def test_the_local_endpoint_refuses_what_the_form_does_not_allow(
    migrated: Settings,
    citizens: Callable[[], Awaitable[Citizen]],
    attachment_rows: Callable[[], int],
    tmp_path: Path,
    change: Callable[[bytes], bytes],
    fields: dict[str, str] | None,
    code: str,
) -> None:
    citizen = await citizens()
    body = samples.png()
    async with running_app(migrated, **_local(migrated, tmp_path)) as app:
        started = await begin(
            app.client, citizen.headers, name="a.png", size=len(body), content_type="image/png"
        )
        sent = await send(
            app.client,
            started.json()["upload"],
            change(body),
            fields=fields,
        )
    assert sent.status_code == 422, sent.text
    assert sent.json()["error"]["code"] == code
    # Nothing stays behind: not a partial file, not a temporary one.
    assert _files(tmp_path) == []


async def test_a_forged_or_expired_link_is_refused(
    migrated: Settings, tmp_path: Path, citizens: Callable[[], Awaitable[Citizen]]
) -> None:
    async with running_app(migrated, **_local(migrated, tmp_path)) as app:
        upload_resp = await app.client.post(
            "/api/v1/uploads/eyJrIjoidC8xL2luY29taW5nL3gifQ.forged",
            files={"file": ("a.png", b"x", "image/png")},
        )
        download = await app.client.get(
            "/api/v1/downloads/eyJrIjoidC8xL2F0dGFjaG1lbnRzL3gifQ.forged"
        )
    assert (upload_resp.status_code, upload_resp.json()["error"]["code"]) == (
        403,
        "attachments.token_invalid",
    )
    assert (download.status_code, download.json()["error"]["code"]) == (
        403,
        "attachments.token_invalid",
    )


async def test_the_local_endpoints_answer_nothing_with_the_s3_backend(migrated: Settings) -> None:
    async with running_app(migrated) as app:
        resp = await app.client.get("/api/v1/downloads/anything.at-all")
    assert (resp.status_code, resp.json()["error"]["code"]) == (404, "not_found")


async def test_upload_through_the_local_endpoint_then_the_checks(
    migrated: Settings,
    citizens: Callable[[], Awaitable[Citizen]],
    attachment_rows: Callable[[], int],
    tmp_path: Path,
) -> None:
    citizen = await citizens()
    async with running_app(migrated, **_local(migrated, tmp_path)) as app:
        done = await upload(app.client, citizen.headers, samples.svg(), name="a.png")
        read = await app.client.get(
            f"/api/v1/t/{CHENGGUAN}/attachments/{done['attachment']['id']}", headers=citizen.headers
        )
    assert (read.json()["status"], read.json()["reason"]) == ("rejected", "type_mismatch")
    assert _files(tmp_path) == []
