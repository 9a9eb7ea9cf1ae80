"""The local backend's own upload and download endpoints: what S3 does for its forms.

An upload is the same multipart/form-data POST a browser sends to S3: the
form's fields, then the file. It is read as it arrives (never whole in
memory) and written to the incoming key through `LocalStorage.put_stream`,
refused as S3 refuses a request its policy forbids: a type other than the
signed one, a file of another size, an expired or forged link. A download
streams the verified object with the headers of S3's signed GET.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterable, AsyncIterator
from dataclasses import dataclass
from typing import Any, Final

from multipart import (  # type: ignore[import-untyped]
    MultipartSegment,
    ParserError,
    PushMultipartParser,
    parse_options_header,
)

from yiwang.platform.storage import LocalStorage
from yiwang.runtime.attachments import tokens
from yiwang.runtime.attachments.errors import UploadRefused
from yiwang.runtime.attachments.names import content_disposition
from yiwang.runtime.attachments.settings import AttachmentSettings
from yiwang.runtime.attachments.transfers import DOWNLOAD, FILE_FIELD, UPLOAD

#: all the fields before the file, together (S3 allows 20 KB of policy and fields)
MAX_FIELDS_BYTES: Final = 20 * 1024
MAX_PARTS: Final = 32
#: what every download answers besides its type and name
DOWNLOAD_HEADERS: Final = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "sandbox",
    "Cache-Control": "private, no-store",
}


def _form_error(detail: str) -> UploadRefused:
    return UploadRefused("attachments.upload_form_invalid", detail=detail)


async def file_part(
    body: AsyncIterable[bytes], content_type_header: str, signed_type: str
) -> AsyncIterator[bytes]:
    """The file's bytes from a multipart/form-data body, once the fields before it were
    checked; the parts after the file are read and ignored, as S3 does."""
    kind, options = parse_options_header(content_type_header or "")
    boundary = options.get("boundary")
    if kind != "multipart/form-data" or not boundary:
        raise _form_error("multipart/form-data")
    fields: dict[str, bytearray] = {}
    segment: MultipartSegment | None = None
    in_file = seen_file = False
    field_bytes = 0
    try:
        with PushMultipartParser(boundary, max_segment_count=MAX_PARTS) as parser:
            async for chunk in body:
                for event in parser.parse(chunk):
                    if isinstance(event, MultipartSegment):
                        segment = event
                        in_file = event.name == FILE_FIELD and not seen_file
                        if in_file:
                            seen_file = True
                            _check_fields(fields, signed_type)
                        elif not seen_file:
                            fields[event.name or ""] = bytearray()
                    elif event:
                        if in_file:
                            yield bytes(event)
                        elif not seen_file and segment is not None:
                            field_bytes += len(event)
                            if field_bytes > MAX_FIELDS_BYTES:
                                raise _form_error("fields")
                            fields[segment.name or ""].extend(event)
                    else:
                        segment, in_file = None, False
                if parser.closed:
                    break
    except ParserError as exc:
        raise _form_error("multipart") from exc
    if not seen_file:
        raise _form_error(FILE_FIELD)


def _check_fields(fields: dict[str, bytearray], signed_type: str) -> None:
    declared = bytes(fields.get("Content-Type", b"")).decode("utf-8", "replace")
    if declared != signed_type:
        raise _form_error("Content-Type")


@dataclass(frozen=True)
class Download:
    key: str
    headers: dict[str, str]
    media_type: str


class LocalEndpoints:
    def __init__(self, storage: LocalStorage, settings: AttachmentSettings) -> None:
        self.storage = storage
        self.settings = settings

    def _claims(self, purpose: str, token: str) -> dict[str, Any]:
        return tokens.verify(purpose, token, key=self.settings.signing_key(), now=time.time())

    async def receive(
        self, token: str, content_type_header: str, body: AsyncIterable[bytes]
    ) -> None:
        claims = self._claims(UPLOAD, token)
        key, signed_type, size = str(claims["k"]), str(claims["t"]), int(claims["s"])
        stored = await self.storage.put_stream(
            key, file_part(body, content_type_header, signed_type), signed_type, max_size=size
        )
        if stored.size != size:
            await self.storage.delete(key)
            raise _form_error("size")

    def download(self, token: str) -> Download:
        claims = self._claims(DOWNLOAD, token)
        media_type = str(claims["t"])
        headers = {
            **DOWNLOAD_HEADERS,
            "Content-Disposition": content_disposition(str(claims["n"])),
        }
        return Download(str(claims["k"]), headers, media_type)
