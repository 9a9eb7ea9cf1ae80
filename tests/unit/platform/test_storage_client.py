"""The one S3 client's configuration: checksums only where the API requires them (boto3
1.36 sends CRC32 by default, which many S3-compatible servers reject)."""

from __future__ import annotations

import pytest

from yiwang.platform.errors import InvalidInput
from yiwang.platform.settings import Settings
from yiwang.platform.storage import S3Storage


def test_checksums_only_when_required() -> None:
    config = S3Storage(
        "b", endpoint_url="http://127.0.0.1:1", addressing_style="path"
    ).client.meta.config
    assert config.request_checksum_calculation == "when_required"
    assert config.response_checksum_validation == "when_required"
    assert config.s3 == {"addressing_style": "path"}
    assert config.signature_version == "s3v4"


def test_the_addressing_style_is_one_of_three(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("S3_ADDRESSING_STYLE", "path")
    assert Settings.from_env().s3_addressing_style == "path"
    monkeypatch.setenv("S3_ADDRESSING_STYLE", "sideways")
    with pytest.raises(InvalidInput) as info:
        Settings.from_env()
    assert info.value.pointer == "/S3_ADDRESSING_STYLE"
