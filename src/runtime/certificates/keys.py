"""The key provider: the signing key from the settings, and the public key set.

The private key is read from an environment setting or a file and kept in
the process; nothing writes it anywhere else. In development and test, with
no key configured, one is generated once into `var/` (mode 0600) and reused,
so certificates issued by `make run` still verify after a restart. Two
processes starting at once agree on one key: the file is published with a
hard link, which fails if another process got there first.
"""

from __future__ import annotations

import base64
import binascii
import os
import tempfile
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from yiwang.runtime.certificates.errors import CertificateSettingsInvalid
from yiwang.runtime.certificates.settings import CertificateSettings
from yiwang.runtime.certificates.signing import Ed25519Signer, PublicKeySet


def parse_private_key(text: str | bytes) -> ed25519.Ed25519PrivateKey:
    """An Ed25519 key from PKCS#8 PEM, or from base64url of its 32-byte seed."""
    data = text.encode() if isinstance(text, str) else text
    data = data.strip()
    if data.startswith(b"-----BEGIN"):
        try:
            key = serialization.load_pem_private_key(data, password=None)
        except (ValueError, TypeError) as exc:
            raise CertificateSettingsInvalid("certificates.key.unreadable_pem") from exc
        if not isinstance(key, ed25519.Ed25519PrivateKey):
            raise CertificateSettingsInvalid("certificates.key.not_ed25519")
        return key
    try:
        seed = base64.urlsafe_b64decode(data + b"=" * (-len(data) % 4))
    except (binascii.Error, ValueError) as exc:
        raise CertificateSettingsInvalid("certificates.key.seed_format") from exc
    if len(seed) != 32:
        raise CertificateSettingsInvalid("certificates.key.seed_format")
    return ed25519.Ed25519PrivateKey.from_private_bytes(seed)


def private_key_pem(key: ed25519.Ed25519PrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise CertificateSettingsInvalid("certificates.key.file_unreadable", path=path) from exc


def development_key(path: Path) -> ed25519.Ed25519PrivateKey:
    """The development key at `path`, generated there on first use."""
    if path.exists():
        return parse_private_key(_read(path))
    path.parent.mkdir(parents=True, exist_ok=True)
    key = ed25519.Ed25519PrivateKey.generate()
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".key-")
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(private_key_pem(key))
            fh.flush()
            os.fsync(fh.fileno())
        try:
            os.link(tmp, path)
        except FileExistsError:
            return parse_private_key(_read(path))
    finally:
        Path(tmp).unlink(missing_ok=True)
    return key


def load_signer(settings: CertificateSettings) -> Ed25519Signer:
    """The signer of the configured key; the development key only in development."""
    if settings.signing_key:
        key = parse_private_key(settings.signing_key)
    elif settings.signing_key_file:
        key = parse_private_key(_read(settings.signing_key_file))
    elif settings.development:
        key = development_key(settings.dev_key_file)
    else:
        raise CertificateSettingsInvalid("certificates.settings.key_required")
    return Ed25519Signer(key, settings.key_id)


def load_public_keys(settings: CertificateSettings, signer: Ed25519Signer) -> PublicKeySet:
    """The current key's public half, and the retired ones from the settings' file."""
    keys = PublicKeySet()
    if settings.public_keys_file:
        keys = PublicKeySet.from_json(_read(settings.public_keys_file))
    return keys.with_key(signer.public_key())
