"""How a browser reaches the object store: signed upload forms and download links.

One client protocol for both backends, so a widget never asks which is in use:
POST multipart/form-data to `url` with every one of `fields`, the file last in
the part named `file`; then download from a link that answers with
`Content-Disposition: attachment`. With S3 the form is a POST policy and the
link a presigned GET, both signed by boto3; with the local backend both point
at the application's own endpoints (`/api/v1/uploads/{token}`,
`/api/v1/downloads/{token}`) and are signed by `tokens`.
"""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from yiwang.platform.storage import S3Storage
from yiwang.runtime.attachments import tokens
from yiwang.runtime.attachments.models import Attachment, incoming_key
from yiwang.runtime.attachments.names import content_disposition
from yiwang.runtime.attachments.settings import AttachmentSettings

UPLOAD_PATH: Final = "/api/v1/uploads"
DOWNLOAD_PATH: Final = "/api/v1/downloads"
FILE_FIELD: Final = "file"
UPLOAD: Final = "upload"
DOWNLOAD: Final = "download"


@dataclass(frozen=True)
class UploadForm:
    url: str
    fields: dict[str, str]
    expires_at: datetime
    method: str = "POST"
    file_field: str = FILE_FIELD


class Transfers(ABC):
    @abstractmethod
    def upload_form(self, attachment: Attachment) -> UploadForm: ...

    @abstractmethod
    def link(self, key: str, name: str, content_type: str) -> str:
        """A download link of a stored object, with `Content-Disposition: attachment`."""

    def download_url(self, attachment: Attachment) -> str:
        return self.link(
            attachment.key, attachment.name, attachment.content_type or attachment.declared_type
        )


class S3Transfers(Transfers):
    def __init__(self, storage: S3Storage, settings: AttachmentSettings) -> None:
        self.storage = storage
        self.settings = settings

    def upload_form(self, attachment: Attachment) -> UploadForm:
        signed = self.storage.presigned_post(
            incoming_key(attachment.tenant_id, attachment.id),
            content_type=attachment.declared_type,
            size=attachment.declared_size,
            expires_seconds=self.settings.upload_seconds,
        )
        return UploadForm(signed.url, signed.fields, attachment.upload_expires_at)

    def link(self, key: str, name: str, content_type: str) -> str:
        return self.storage.presigned_get(
            key,
            disposition=content_disposition(name),
            content_type=content_type,
            expires_seconds=self.settings.download_seconds,
        )


class LocalTransfers(Transfers):
    """The application's own endpoints, with the same limits S3's policy states."""

    def __init__(self, settings: AttachmentSettings) -> None:
        self.settings = settings

    def upload_form(self, attachment: Attachment) -> UploadForm:
        token = tokens.sign(
            UPLOAD,
            {
                "k": incoming_key(attachment.tenant_id, attachment.id),
                "t": attachment.declared_type,
                "s": attachment.declared_size,
            },
            key=self.settings.signing_key(),
            expires_at=int(attachment.upload_expires_at.timestamp()),
        )
        fields = {"Content-Type": attachment.declared_type}
        return UploadForm(f"{UPLOAD_PATH}/{token}", fields, attachment.upload_expires_at)

    def link(self, key: str, name: str, content_type: str) -> str:
        token = tokens.sign(
            DOWNLOAD,
            {"k": key, "n": name, "t": content_type},
            key=self.settings.signing_key(),
            expires_at=int(time.time()) + self.settings.download_seconds,
        )
        return f"{DOWNLOAD_PATH}/{token}"
