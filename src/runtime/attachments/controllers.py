"""Attachments API: thin handlers over the room's services, injected by type.

The guard admits `attachment:write` (sign and complete an upload) and
`attachment:read` (read, download) at the `{code}` tenant; the service then
shows a person only their own uploads. The local backend's upload and
download endpoints are public like S3's signed URLs: the signed token in the
path is the permission, and nothing else is.
"""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.response import Redirect, Stream
from litestar.status_codes import HTTP_303_SEE_OTHER

from yiwang.platform.errors import NotFound
from yiwang.platform.storage import ObjectStorage
from yiwang.policy.guards import Access
from yiwang.runtime.attachments.local_transfers import LocalEndpoints
from yiwang.runtime.attachments.schemas import (
    AttachmentOut,
    CompleteOut,
    UploadIn,
    UploadOut,
    attachment_out,
    upload_out,
)
from yiwang.runtime.attachments.service import Attachments, UploadRequest
from yiwang.runtime.attachments.transfers import DOWNLOAD_PATH, UPLOAD_PATH

WRITE = {"object": "attachment", "action": "write"}
READ = {"object": "attachment", "action": "read"}
PUBLIC = {"public": True}
#: the edge takes only JSON unless a route names more; the form is streamed, never parsed
#: whole, so the CSRF token of a browser with a session travels in `X-CSRF-Token`
PUBLIC_UPLOAD = {**PUBLIC, "accepts": ("multipart/form-data",)}


class AttachmentController(Controller):
    """Upload, complete, read and download the attachments of one tenant."""

    path = "/api/v1/t/{code:str}/attachments"
    tags = ["attachments"]  # noqa: RUF012  (Litestar declares it as an instance attribute)

    @post("/", opt=WRITE, status_code=201)
    async def begin(
        self, attachment_files: Attachments, access: Access, data: UploadIn
    ) -> UploadOut:
        attachment, form = await attachment_files.begin(
            access, UploadRequest(data.type, data.field, data.name, data.size, data.content_type)
        )
        return upload_out(attachment, form)

    @post("/{attachment_id:uuid}/complete", opt=WRITE, status_code=200)
    async def complete(
        self, attachment_files: Attachments, access: Access, attachment_id: uuid.UUID
    ) -> CompleteOut:
        attachment, job = await attachment_files.complete(access, attachment_id)
        return CompleteOut(attachment_out(attachment), job)

    @get("/{attachment_id:uuid}", opt=READ)
    async def read(
        self, attachment_files: Attachments, access: Access, attachment_id: uuid.UUID
    ) -> AttachmentOut:
        return attachment_out(await attachment_files.get(access, attachment_id))

    @get("/{attachment_id:uuid}/download", opt=READ, status_code=HTTP_303_SEE_OTHER)
    async def download(
        self, attachment_files: Attachments, access: Access, attachment_id: uuid.UUID
    ) -> Redirect:
        url = await attachment_files.download_url(access, attachment_id)
        return Redirect(url, status_code=HTTP_303_SEE_OTHER, headers={"Cache-Control": "no-store"})


def _local(endpoints: LocalEndpoints | None) -> LocalEndpoints:
    if endpoints is None:  # the S3 backend: browsers talk to S3 itself
        raise NotFound("not_found")
    return endpoints


@post(
    UPLOAD_PATH + "/{token:str}",
    opt=PUBLIC_UPLOAD,
    status_code=204,
    request_max_body_size=None,
    tags=["attachments"],
)
async def local_upload(
    request: Request[Any, Any, Any], token: str, local_endpoints: LocalEndpoints | None
) -> None:
    """The local backend's stand-in for S3's POST policy (the file is the last part)."""
    await _local(local_endpoints).receive(
        token, request.headers.get("content-type", ""), request.stream()
    )


@get(DOWNLOAD_PATH + "/{token:str}", opt=PUBLIC, tags=["attachments"])
async def local_download(
    token: str, local_endpoints: LocalEndpoints | None, storage: ObjectStorage
) -> Response[Any]:
    """The local backend's stand-in for S3's signed GET."""
    download = _local(local_endpoints).download(token)
    # Fail before the first byte, so a missing object is a 404 and not a broken stream.
    await storage.head(download.key)
    return Stream(
        storage.stream(download.key), media_type=download.media_type, headers=download.headers
    )


ROUTES = (AttachmentController, local_upload, local_download)
