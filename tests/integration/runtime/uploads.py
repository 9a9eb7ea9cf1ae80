"""The widget's side of the attachment API, as the README describes it, for the tests."""

from __future__ import annotations

from typing import Any

import httpx
from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.integration.runtime.conftest import CHENGGUAN


async def begin(
    client: AsyncTestClient[Litestar],
    headers: dict[str, str],
    *,
    name: str,
    size: int,
    content_type: str,
    type: str = "food_business_license",
    field: str = "layout_plan",
    code: str = CHENGGUAN,
) -> httpx.Response:
    return await client.post(
        f"/api/v1/t/{code}/attachments",
        json={
            "type": type,
            "field": field,
            "name": name,
            "size": size,
            "content_type": content_type,
        },
        headers=headers,
    )


async def send(
    client: AsyncTestClient[Litestar],
    upload: dict[str, Any],
    body: bytes,
    *,
    fields: dict[str, str] | None = None,
) -> httpx.Response:
    """POST the signed form, the file last: to S3 itself, or to the app's own endpoint."""
    data = {**upload["fields"], **(fields or {})}
    files = {upload["file_field"]: ("upload.bin", body, data.get("Content-Type", ""))}
    if upload["url"].startswith("http"):
        async with httpx.AsyncClient() as s3:  # no credentials: the form is the permission
            return await s3.post(upload["url"], data=data, files=files)
    return await client.post(upload["url"], data=data, files=files)


async def upload(
    client: AsyncTestClient[Litestar],
    headers: dict[str, str],
    body: bytes,
    *,
    name: str = "平面图.png",
    content_type: str = "image/png",
    declared_size: int | None = None,
    fields: dict[str, str] | None = None,
    code: str = CHENGGUAN,
    **where: str,
) -> dict[str, Any]:
    """Begin, send and complete; returns the completion's answer."""
    started = await begin(
        client,
        headers,
        name=name,
        size=len(body) if declared_size is None else declared_size,
        content_type=content_type,
        code=code,
        **where,
    )
    assert started.status_code == 201, started.text
    sent = await send(client, started.json()["upload"], body, fields=fields)
    assert sent.status_code == 204, sent.text
    attachment_id = started.json()["attachment"]["id"]
    done = await client.post(
        f"/api/v1/t/{code}/attachments/{attachment_id}/complete", headers=headers
    )
    assert done.status_code == 200, done.text
    answer: dict[str, Any] = done.json()
    return answer
