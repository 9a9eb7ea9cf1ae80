"""A field's limits from its metadata, and each way a request can break them."""

from __future__ import annotations

from typing import Any

import pytest

from yiwang.metadata.documents.field_types import ACCEPTABLE_FILE_TYPES
from yiwang.runtime.attachments.errors import UploadRefused
from yiwang.runtime.attachments.limits import (
    UploadLimits,
    attachment_field,
    check_request,
    limits_of,
)

DOCUMENT: dict[str, Any] = {
    "key": "permit",
    "fields": {
        "plan": {
            "type": "attachment",
            "label": "平面图",
            "accept": ["application/pdf", "image/png"],
        },
        "proofs": {"type": "attachments", "label": "证明", "max_size": 1000},
        "name": {"type": "text", "label": "名称"},
        "materials": {
            "type": "table",
            "label": "材料",
            "columns": {"files": {"type": "attachments", "label": "文件", "max_size": 5000}},
        },
    },
}
MIB = 1024 * 1024


def _limits(path: str) -> UploadLimits:
    return limits_of(attachment_field(DOCUMENT, path), default_max_size=20 * MIB, ceiling=64 * MIB)


def test_a_field_with_accept_and_no_max_size_gets_the_default_size() -> None:
    assert _limits("plan") == UploadLimits(20 * MIB, ("application/pdf", "image/png"))


def test_a_field_without_accept_takes_every_acceptable_type() -> None:
    assert _limits("proofs") == UploadLimits(1000, ACCEPTABLE_FILE_TYPES)


def test_a_table_column_is_named_by_its_path() -> None:
    assert _limits("materials/files").max_size == 5000


def test_no_field_exceeds_the_ceiling() -> None:
    big = {"type": "attachment", "label": "图纸", "max_size": 10**12}
    assert limits_of(big, default_max_size=MIB, ceiling=64 * MIB).max_size == 64 * MIB


@pytest.mark.parametrize(
    ("path", "code"),
    [
        ("ghost", "attachments.field_unknown"),
        ("materials/ghost", "attachments.field_unknown"),
        ("plan/files", "attachments.field_unknown"),
        ("a/b/c", "attachments.field_unknown"),
        ("name", "attachments.field_not_attachment"),
        ("materials", "attachments.field_not_attachment"),
    ],
)
def test_only_attachment_fields_take_uploads(path: str, code: str) -> None:
    with pytest.raises(UploadRefused) as info:
        attachment_field(DOCUMENT, path)
    assert (info.value.code, info.value.pointer) == (code, "/field")


@pytest.mark.parametrize(
    ("name", "size", "content_type", "code", "pointer"),
    [
        ("平面图.png", 1, "image/svg+xml", "attachments.type_not_accepted", "/content_type"),
        ("平面图.png", 1, "image/jpeg", "attachments.type_not_accepted", "/content_type"),
        ("平面图.html", 10, "image/png", "attachments.extension_mismatch", "/name"),
        ("平面图", 10, "application/pdf", "attachments.extension_mismatch", "/name"),
        ("平面图.png", 0, "image/png", "attachments.empty", "/size"),
        ("平面图.png", 20 * MIB + 1, "image/png", "attachments.too_large", "/size"),
        ("../平面图.png", 10, "image/png", "attachments.name_invalid", "/name"),
    ],
)
def test_each_broken_limit_names_its_value(
    name: str, size: int, content_type: str, code: str, pointer: str
) -> None:
    with pytest.raises(UploadRefused) as info:
        check_request(_limits("plan"), name=name, size=size, content_type=content_type)
    assert (info.value.code, info.value.pointer) == (code, pointer)


def test_a_request_within_the_limits_gives_the_stored_name() -> None:
    name = check_request(
        _limits("plan"), name=" 平面图.PNG ", size=20 * MIB, content_type="image/png"
    )
    assert name == "平面图.PNG"
