"""Attachment settings: development stand-ins only in development, a real scanner otherwise."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from yiwang.platform.settings import Settings
from yiwang.runtime.attachments.errors import AttachmentSettingsInvalid
from yiwang.runtime.attachments.scanning import ClamdScanner, EicarScanner
from yiwang.runtime.attachments.settings import AttachmentSettings

KEY = "a" * 43  # base64url of 32 bytes


def test_development_needs_nothing() -> None:
    found = AttachmentSettings.from_env(Settings(), {})
    assert isinstance(found.build_scanner(), EicarScanner)
    assert len(found.signing_key()) == 32


@pytest.mark.parametrize(
    ("environ", "detail"),
    [
        ({"YIWANG_ATTACHMENT_TOKEN_KEY": KEY}, "YIWANG_ATTACHMENT_SCANNER=clamd"),
        (
            {"YIWANG_ATTACHMENT_SCANNER": "eicar", "YIWANG_ATTACHMENT_TOKEN_KEY": KEY},
            "YIWANG_ATTACHMENT_SCANNER=clamd",
        ),
        ({"YIWANG_ATTACHMENT_SCANNER": "clamd"}, "YIWANG_CLAMD_SOCKET"),
        ({"YIWANG_CLAMD_SOCKET": "/run/clamav/clamd.ctl"}, "YIWANG_ATTACHMENT_TOKEN_KEY"),
        ({"YIWANG_ATTACHMENT_SCANNER": "none"}, "YIWANG_ATTACHMENT_SCANNER=none"),
        ({"YIWANG_ATTACHMENT_TOKEN_KEY": "short"}, "YIWANG_ATTACHMENT_TOKEN_KEY"),
        ({"YIWANG_ATTACHMENT_MAX_SIZE": "-1"}, "YIWANG_ATTACHMENT_MAX_SIZE"),
    ],
)
def test_production_refuses_stand_ins(environ: dict[str, str], detail: str) -> None:
    with pytest.raises(AttachmentSettingsInvalid) as info:
        AttachmentSettings.from_env(Settings(environment="production"), environ)
    assert detail in info.value.message()


def test_production_with_clamd_and_a_key() -> None:
    environ = {"YIWANG_CLAMD_SOCKET": "/run/clamav/clamd.ctl", "YIWANG_ATTACHMENT_TOKEN_KEY": KEY}
    found = AttachmentSettings.from_env(Settings(environment="production"), environ)
    scanner = found.build_scanner()
    assert isinstance(scanner, ClamdScanner) and scanner.socket == Path("/run/clamav/clamd.ctl")


def test_s3_in_production_needs_no_token_key() -> None:
    settings = replace(Settings(environment="production"), storage_backend="s3")
    found = AttachmentSettings.from_env(settings, {"YIWANG_CLAMD_ADDRESS": "10.0.0.5:3310"})
    scanner = found.build_scanner()
    assert isinstance(scanner, ClamdScanner) and (scanner.host, scanner.port) == ("10.0.0.5", 3310)
