"""A checkpoint: the chain's head (sequence number and hash), signed outside the database.

The signature is Ed25519 over the canonical JSON of every other field, so a
checkpoint cannot be moved to another sequence number or hash, and only the
holder of the signing key can make one. The key lives in a file on the
application host (`YIWANG_AUDIT_SIGNING_KEY`), never in the database; a
verifier needs only the public key (`YIWANG_AUDIT_VERIFY_KEY`), so an auditor
can check the chain without being able to sign.

SM2 (GB/T 32918) would suit a Chinese deployment better, but no maintained
Python library offers it: `cryptography` does not expose OpenSSL's SM2, and
the SM2 packages on PyPI are pure-Python, not constant-time, or unmaintained.
The `alg` field leaves room for it.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from yiwang.platform.errors import InvalidInput, ServiceUnavailable

FORMAT: Final = "yiwang-audit-checkpoint/1"
ALG: Final = "ed25519"


@dataclass(frozen=True)
class Checkpoint:
    seq: int
    hash: str  # hex
    at: str  # ISO 8601, UTC
    key_id: str
    signature: str  # base64
    alg: str = ALG
    format: str = FORMAT

    def signed_part(self) -> bytes:
        body = {k: v for k, v in asdict(self).items() if k != "signature"}
        return json.dumps(body, sort_keys=True, separators=(",", ":")).encode()

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> Checkpoint:
        try:
            data: dict[str, Any] = json.loads(text)
            if data.get("format") != FORMAT:
                raise ValueError("format")
            return cls(
                seq=int(data["seq"]),
                hash=str(data["hash"]),
                at=str(data["at"]),
                key_id=str(data["key_id"]),
                signature=str(data["signature"]),
                alg=str(data["alg"]),
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise InvalidInput("audit.checkpoint_unreadable") from exc


def key_id(public: Ed25519PublicKey) -> str:
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def sign(
    private: Ed25519PrivateKey, seq: int, chain_hash: bytes, at: datetime | None = None
) -> Checkpoint:
    unsigned = Checkpoint(
        seq=seq,
        hash=chain_hash.hex(),
        at=(at or datetime.now(UTC)).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        key_id=key_id(private.public_key()),
        signature="",
    )
    signature = private.sign(unsigned.signed_part())
    return Checkpoint(**{**asdict(unsigned), "signature": base64.b64encode(signature).decode()})


def is_genuine(checkpoint: Checkpoint, public: Ed25519PublicKey) -> bool:
    if checkpoint.alg != ALG or checkpoint.key_id != key_id(public):
        return False
    try:
        public.verify(base64.b64decode(checkpoint.signature), checkpoint.signed_part())
    except (InvalidSignature, ValueError):
        return False
    return True


def generate_key(path: Path) -> Ed25519PrivateKey:
    """A new signing key in `path` (mode 0600) and its public key beside it (`.pub`)."""
    if path.exists():
        raise InvalidInput("audit.key_exists", path=str(path))
    private = Ed25519PrivateKey.generate()
    path.parent.mkdir(parents=True, exist_ok=True)
    pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(pem)
    public_path(path).write_bytes(
        private.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    return private


def public_path(private_path: Path) -> Path:
    return private_path.with_name(private_path.name + ".pub")


def load_signing_key(path: Path, *, create: bool) -> Ed25519PrivateKey:
    """The signing key; in development a missing one is made (`create`)."""
    if not path.is_file():
        if create:
            return generate_key(path)
        raise ServiceUnavailable("audit.signing_key_missing", path=str(path))
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (ValueError, TypeError, OSError) as exc:
        raise ServiceUnavailable("audit.signing_key_missing", path=str(path)) from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise ServiceUnavailable("audit.signing_key_missing", path=str(path))
    return key


def load_verify_key(path: Path) -> Ed25519PublicKey:
    try:
        key = serialization.load_pem_public_key(path.read_bytes())
    except (ValueError, OSError) as exc:
        raise ServiceUnavailable("audit.verify_key_missing", path=str(path)) from exc
    if not isinstance(key, Ed25519PublicKey):
        raise ServiceUnavailable("audit.verify_key_missing", path=str(path))
    return key
