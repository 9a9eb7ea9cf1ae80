"""Attachment settings, read once from the environment beside the platform's.

    YIWANG_ATTACHMENT_MAX_SIZE          bytes a field without `max_size` allows (20 MiB)
    YIWANG_ATTACHMENT_SIZE_CEILING      bytes no field may exceed, whatever it says (256 MiB)
    YIWANG_ATTACHMENT_UPLOAD_SECONDS    how long a signed upload form is valid (900)
    YIWANG_ATTACHMENT_DOWNLOAD_SECONDS  how long a signed download link is valid (300)
    YIWANG_ATTACHMENT_TOKEN_KEY         base64url of 32 bytes: signs the local backend's
                                        upload and download links
    YIWANG_ATTACHMENT_SCANNER           "clamd" (production) or "eicar" (development only)
    YIWANG_CLAMD_SOCKET                 clamd's Unix socket, or
    YIWANG_CLAMD_ADDRESS                clamd's host:port

With nothing set (development and test), the token key is derived from a
fixed, public phrase and the EICAR-only scanner is used. Outside development
and test the application refuses to start unless a real scanner is named and,
with the local backend, a token key is set.
"""

from __future__ import annotations

import base64
import hashlib
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from yiwang.platform.settings import Settings
from yiwang.runtime.attachments.errors import AttachmentSettingsInvalid
from yiwang.runtime.attachments.scanning import ClamdScanner, EicarScanner, Scanner

_DEV_ENVIRONMENTS: Final = ("development", "test")
MIB: Final = 1024 * 1024
SCANNERS: Final = ("eicar", "clamd")


def _dev_key() -> bytes:
    return hashlib.sha256(b"yiwang development key: attachment tokens").digest()


def _int(env: Mapping[str, str], name: str, default: int, minimum: int = 1) -> int:
    raw = env.get(name) or str(default)
    if not raw.isdigit() or int(raw) < minimum:
        raise AttachmentSettingsInvalid("attachments.settings_invalid", detail=f"{name}={raw[:20]}")
    return int(raw)


@dataclass(frozen=True)
class AttachmentSettings:
    environment: str = "development"
    storage_backend: str = "local"
    default_max_size: int = 20 * MIB
    size_ceiling: int = 256 * MIB
    upload_seconds: int = 900
    download_seconds: int = 300
    token_key: bytes | None = None
    scanner: str = "eicar"
    clamd_socket: Path | None = None
    clamd_address: str | None = None

    @property
    def development(self) -> bool:
        return self.environment in _DEV_ENVIRONMENTS

    @classmethod
    def from_env(
        cls, settings: Settings, environ: Mapping[str, str] | None = None
    ) -> AttachmentSettings:
        env = os.environ if environ is None else environ
        raw_key = env.get("YIWANG_ATTACHMENT_TOKEN_KEY") or ""
        key: bytes | None = None
        if raw_key:
            try:
                key = base64.urlsafe_b64decode(raw_key + "=" * (-len(raw_key) % 4))
            except ValueError:
                key = b""
            if len(key) != 32:
                raise AttachmentSettingsInvalid(
                    "attachments.settings_invalid", detail="YIWANG_ATTACHMENT_TOKEN_KEY"
                )
        socket = env.get("YIWANG_CLAMD_SOCKET") or None
        address = env.get("YIWANG_CLAMD_ADDRESS") or None
        found = cls(
            environment=settings.environment,
            storage_backend=settings.storage_backend,
            default_max_size=_int(env, "YIWANG_ATTACHMENT_MAX_SIZE", cls.default_max_size),
            size_ceiling=_int(env, "YIWANG_ATTACHMENT_SIZE_CEILING", cls.size_ceiling),
            upload_seconds=_int(env, "YIWANG_ATTACHMENT_UPLOAD_SECONDS", cls.upload_seconds, 30),
            download_seconds=_int(
                env, "YIWANG_ATTACHMENT_DOWNLOAD_SECONDS", cls.download_seconds, 10
            ),
            token_key=key,
            scanner=env.get("YIWANG_ATTACHMENT_SCANNER")
            or ("clamd" if socket or address else "eicar"),
            clamd_socket=Path(socket) if socket else None,
            clamd_address=address,
        )
        found.check()
        return found

    def check(self) -> None:
        """Refuse what cannot work, and development stand-ins outside development."""
        if self.scanner not in SCANNERS:
            raise AttachmentSettingsInvalid(
                "attachments.settings_invalid", detail=f"YIWANG_ATTACHMENT_SCANNER={self.scanner}"
            )
        if self.scanner == "clamd" and not (self.clamd_socket or self.clamd_address):
            raise AttachmentSettingsInvalid(
                "attachments.settings_invalid", detail="YIWANG_CLAMD_SOCKET / YIWANG_CLAMD_ADDRESS"
            )
        if self.default_max_size > self.size_ceiling:
            raise AttachmentSettingsInvalid(
                "attachments.settings_invalid", detail="YIWANG_ATTACHMENT_MAX_SIZE"
            )
        if self.development:
            return
        if self.scanner != "clamd":
            raise AttachmentSettingsInvalid(
                "attachments.settings_invalid", detail="YIWANG_ATTACHMENT_SCANNER=clamd"
            )
        if self.storage_backend == "local" and self.token_key is None:
            raise AttachmentSettingsInvalid(
                "attachments.settings_invalid", detail="YIWANG_ATTACHMENT_TOKEN_KEY"
            )

    def signing_key(self) -> bytes:
        return self.token_key or _dev_key()

    def build_scanner(self) -> Scanner:
        if self.scanner == "eicar":
            return EicarScanner()
        if self.clamd_socket is not None:
            return ClamdScanner(socket=self.clamd_socket)
        host, _, port = (self.clamd_address or "").rpartition(":")
        if not host or not port.isdigit():
            raise AttachmentSettingsInvalid(
                "attachments.settings_invalid", detail="YIWANG_CLAMD_ADDRESS=host:port"
            )
        return ClamdScanner(host=host, port=int(port))
