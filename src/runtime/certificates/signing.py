"""Signatures over canonical JSON, and the public keys that check them.

A signature is a JWS (RFC 7515) with a detached payload: the protected header
names the algorithm, the key id and what is signed (`typ`), and the payload is
the canonical JSON of the document. Any JOSE library verifies it from the key
set exported as a JWK Set (RFC 7517), so a verifier outside the platform needs
nothing of ours:

    signing input = base64url(protected header) "." base64url(canonical JSON)

The key id (`kid`) is the RFC 7638 thumbprint of the public key unless the
settings name one, so keys can rotate: a new key signs from its first day, and
the public halves of retired keys stay in the key set for what they signed.

Signers are pluggable. Ed25519 ("EdDSA") is implemented with `cryptography`.
SM2 is not: `cryptography` (OpenSSL underneath) offers SM3 and SM4 but no SM2
keys or signatures, and the pure-Python SM2 packages are not constant-time.
An SM2 signer is a class with the `Signer` shape and a `PUBLIC_KEY_TYPES`
entry for its JWK; nothing else changes.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Final, Protocol

import msgspec
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from yiwang.metadata.documents.hashing import canonical_json
from yiwang.runtime.certificates.errors import CertificateSettingsInvalid

ED25519: Final = "EdDSA"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """Strict base64url without padding; `ValueError` on anything else."""
    if not isinstance(text, str) or "=" in text:
        raise ValueError("base64url without padding expected")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as exc:
        raise ValueError("not base64url") from exc


class PublicKey(Protocol):
    """The public half of a signing key: checks signatures, exports itself as a JWK."""

    @property
    def kid(self) -> str: ...

    @property
    def algorithm(self) -> str: ...

    def verify(self, signature: bytes, message: bytes) -> bool: ...

    def as_jwk(self) -> dict[str, str]: ...


class Signer(Protocol):
    """A private key that signs; it never leaves the process that loaded it."""

    @property
    def kid(self) -> str: ...

    @property
    def algorithm(self) -> str: ...

    def sign(self, message: bytes) -> bytes: ...

    def public_key(self) -> PublicKey: ...


def _okp_thumbprint(crv: str, x: str) -> str:
    """RFC 7638: SHA-256 over the required members in lexicographic order."""
    return b64url(hashlib.sha256(canonical_json({"crv": crv, "kty": "OKP", "x": x})).digest())


@dataclass(frozen=True)
class Ed25519PublicKey:
    kid: str
    key: ed25519.Ed25519PublicKey
    algorithm: str = ED25519

    def raw(self) -> bytes:
        return self.key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)

    def verify(self, signature: bytes, message: bytes) -> bool:
        try:
            self.key.verify(signature, message)
        except InvalidSignature:
            return False
        return True

    def as_jwk(self) -> dict[str, str]:
        return {
            "kty": "OKP",
            "crv": "Ed25519",
            "x": b64url(self.raw()),
            "kid": self.kid,
            "alg": ED25519,
            "use": "sig",
        }

    @classmethod
    def from_jwk(cls, jwk: Mapping[str, Any]) -> Ed25519PublicKey:
        raw = b64url_decode(jwk["x"])
        if len(raw) != 32:
            raise ValueError("an Ed25519 public key has 32 bytes")
        key = ed25519.Ed25519PublicKey.from_public_bytes(raw)
        return cls(kid=str(jwk.get("kid") or _okp_thumbprint("Ed25519", jwk["x"])), key=key)


class Ed25519Signer:
    """Ed25519 (RFC 8032) through `cryptography`: deterministic, 64-byte signatures."""

    algorithm = ED25519

    def __init__(self, key: ed25519.Ed25519PrivateKey, kid: str | None = None) -> None:
        self._key = key
        public = key.public_key()
        raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        self._public = Ed25519PublicKey(
            kid=kid or _okp_thumbprint("Ed25519", b64url(raw)), key=public
        )

    @classmethod
    def generate(cls, kid: str | None = None) -> Ed25519Signer:
        return cls(ed25519.Ed25519PrivateKey.generate(), kid)

    @property
    def kid(self) -> str:
        return self._public.kid

    def sign(self, message: bytes) -> bytes:
        return self._key.sign(message)

    def public_key(self) -> Ed25519PublicKey:
        return self._public

    def __repr__(self) -> str:  # never the key itself
        return f"Ed25519Signer(kid={self.kid!r})"


#: (kty, crv) of a JWK -> the class that reads it
PUBLIC_KEY_TYPES: Final[dict[tuple[str, str], Callable[[Mapping[str, Any]], PublicKey]]] = {
    ("OKP", "Ed25519"): Ed25519PublicKey.from_jwk,
}


class PublicKeySet:
    """Public keys by key id: what verification needs, and all it needs."""

    def __init__(self, keys: Iterable[PublicKey] = ()) -> None:
        self._keys: dict[str, PublicKey] = {}
        for key in keys:
            known = self._keys.get(key.kid)
            if known is not None and known.as_jwk() != key.as_jwk():
                raise CertificateSettingsInvalid("certificates.settings.kid_conflict", kid=key.kid)
            self._keys[key.kid] = key

    def get(self, kid: str) -> PublicKey | None:
        return self._keys.get(kid)

    def __iter__(self) -> Iterator[PublicKey]:
        return iter(self._keys.values())

    def __len__(self) -> int:
        return len(self._keys)

    def with_key(self, key: PublicKey) -> PublicKeySet:
        return PublicKeySet([*self, key])

    def as_jwks(self) -> dict[str, list[dict[str, str]]]:
        """The JWK Set (RFC 7517) a verifier outside the platform loads."""
        return {"keys": [key.as_jwk() for key in self]}

    def to_json(self) -> bytes:
        return canonical_json(self.as_jwks())

    @classmethod
    def from_jwks(cls, value: Any) -> PublicKeySet:
        """Read a JWK Set; an unknown or malformed key is a settings error."""
        if not isinstance(value, Mapping) or not isinstance(value.get("keys"), list):
            raise CertificateSettingsInvalid("certificates.settings.key_set_shape")
        keys: list[PublicKey] = []
        for index, jwk in enumerate(value["keys"]):
            reader = (
                PUBLIC_KEY_TYPES.get((str(jwk.get("kty")), str(jwk.get("crv"))))
                if isinstance(jwk, Mapping)
                else None
            )
            if reader is None:
                raise CertificateSettingsInvalid("certificates.settings.key_set_entry", index=index)
            try:
                keys.append(reader(jwk))
            except (KeyError, ValueError, TypeError) as exc:
                raise CertificateSettingsInvalid(
                    "certificates.settings.key_set_entry", index=index
                ) from exc
        return cls(keys)

    @classmethod
    def from_json(cls, data: bytes) -> PublicKeySet:
        try:
            value = msgspec.json.decode(data)
        except msgspec.DecodeError as exc:
            raise CertificateSettingsInvalid("certificates.settings.key_set_shape") from exc
        return cls.from_jwks(value)


class Signature(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A detached JWS in its flattened JSON form, without the payload."""

    protected: str
    signature: str


class Header(msgspec.Struct, frozen=True):
    alg: str
    kid: str
    typ: str


def signing_input(protected: str, payload: bytes) -> bytes:
    return f"{protected}.{b64url(payload)}".encode("ascii")


def sign(payload: bytes, signer: Signer, typ: str) -> Signature:
    """Sign `payload` (canonical JSON) as a `typ` with `signer`."""
    header = {"alg": signer.algorithm, "kid": signer.kid, "typ": typ}
    protected = b64url(canonical_json(header))
    return Signature(
        protected=protected, signature=b64url(signer.sign(signing_input(protected, payload)))
    )


def read_header(signature: Signature) -> Header | None:
    """The protected header, or None when it is not one of ours."""
    try:
        return msgspec.json.decode(b64url_decode(signature.protected), type=Header)
    except (ValueError, msgspec.DecodeError):
        return None


def check(payload: bytes, signature: Signature, key: PublicKey, header: Header) -> bool:
    """Whether `signature` by `key` covers `payload` under `header`."""
    if header.alg != key.algorithm:
        return False
    try:
        raw = b64url_decode(signature.signature)
    except ValueError:
        return False
    return key.verify(raw, signing_input(signature.protected, payload))
