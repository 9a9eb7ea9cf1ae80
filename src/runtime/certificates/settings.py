"""Certificate settings: signing key, earlier public keys, font, verification address.

Read once from the environment. The private key never sits in the database:
it comes from a file or from an environment setting. With neither set, a
development key is generated into the working directory (`var/`, the
platform's `var_dir`) for `make run` and the tests; outside
development and test the application refuses to start without a configured
key, and without a public verification address (a QR code pointing at
127.0.0.1 would send every citizen nowhere).

    YIWANG_CERTIFICATE_SIGNING_KEY       the private key: PKCS#8 PEM text, or base64url of
                                         the 32-byte Ed25519 seed
    YIWANG_CERTIFICATE_SIGNING_KEY_FILE  or a file holding that PEM (set one of the two)
    YIWANG_CERTIFICATE_KEY_ID            the key id to publish (default: RFC 7638 thumbprint)
    YIWANG_CERTIFICATE_PUBLIC_KEYS       a JWK Set file of retired keys' public halves
    YIWANG_CERTIFICATE_VERIFY_URL        where a QR code points; `{identifier}` is replaced
    YIWANG_CERTIFICATE_FONT              a TrueType-outline font (.ttf/.ttc) with CJK glyphs
    YIWANG_CERTIFICATE_FONT_INDEX        the face in a .ttc collection (default 0)
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from yiwang.platform.settings import Settings, working_directory
from yiwang.runtime.certificates.errors import CertificateSettingsInvalid

_DEV_ENVIRONMENTS: Final = ("development", "test")
DEFAULT_VERIFY_URL: Final = "http://127.0.0.1:8000/certificates/{identifier}"
DEV_KEY_NAME: Final = "certificate-signing-dev.pem"


def _path(value: str | None) -> Path | None:
    return Path(value) if value else None


@dataclass(frozen=True)
class CertificateSettings:
    environment: str = "development"
    signing_key: str | None = None
    signing_key_file: Path | None = None
    key_id: str | None = None
    public_keys_file: Path | None = None
    verify_url: str = DEFAULT_VERIFY_URL
    font_file: Path | None = None
    font_index: int = 0
    #: where the development key is generated when no key is configured
    dev_key_file: Path = field(default_factory=lambda: working_directory() / DEV_KEY_NAME)

    @property
    def development(self) -> bool:
        return self.environment in _DEV_ENVIRONMENTS

    @classmethod
    def from_env(
        cls, settings: Settings, environ: Mapping[str, str] | None = None
    ) -> CertificateSettings:
        """From the environment (or `environ`), beside the platform's `settings`."""
        env = os.environ if environ is None else environ
        index = env.get("YIWANG_CERTIFICATE_FONT_INDEX") or "0"
        if not index.isdigit():
            raise CertificateSettingsInvalid("certificates.settings.font_index")
        certificates = cls(
            environment=settings.environment,
            signing_key=env.get("YIWANG_CERTIFICATE_SIGNING_KEY") or None,
            signing_key_file=_path(env.get("YIWANG_CERTIFICATE_SIGNING_KEY_FILE")),
            key_id=env.get("YIWANG_CERTIFICATE_KEY_ID") or None,
            public_keys_file=_path(env.get("YIWANG_CERTIFICATE_PUBLIC_KEYS")),
            verify_url=env.get("YIWANG_CERTIFICATE_VERIFY_URL") or DEFAULT_VERIFY_URL,
            font_file=_path(env.get("YIWANG_CERTIFICATE_FONT")),
            font_index=int(index),
            dev_key_file=settings.var_dir / DEV_KEY_NAME,
        )
        certificates.check()
        return certificates

    def check(self) -> None:
        """Refuse what cannot work, and development defaults outside development."""
        if self.signing_key and self.signing_key_file:
            raise CertificateSettingsInvalid("certificates.settings.key_ambiguous")
        if "{identifier}" not in self.verify_url:
            raise CertificateSettingsInvalid("certificates.settings.verify_url_placeholder")
        if self.development:
            return
        if not (self.signing_key or self.signing_key_file):
            raise CertificateSettingsInvalid("certificates.settings.key_required")
        if self.verify_url == DEFAULT_VERIFY_URL:
            raise CertificateSettingsInvalid("certificates.settings.verify_url_required")
