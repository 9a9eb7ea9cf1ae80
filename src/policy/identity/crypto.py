"""Encryption at rest and masking of personal identifiers.

ID numbers and phone numbers are personal information (等保 2.0, Personal
Information Protection Law): they are stored encrypted with AES-256-GCM and
shown masked in every response that is not the owner's own profile.

Ciphertexts name the key that made them (`v1.<key id>.<base64>`), so keys can
be rotated: new values use the current key, old ones stay readable as long as
their key is in the ring. Looking an account up by phone or ID number cannot
decrypt every row, so a keyed hash of the normalised value (a blind index) is
stored beside the ciphertext and searched instead.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from collections.abc import Mapping
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from yiwang.platform.errors import InvalidInput

_PREFIX = "v1"
_NONCE_BYTES = 12


def _decode_key(material: str) -> bytes:
    try:
        key = base64.urlsafe_b64decode(material.encode("ascii") + b"=" * (-len(material) % 4))
    except (ValueError, UnicodeEncodeError) as exc:
        raise InvalidInput("identity.field_key_invalid", detail="not base64") from exc
    if len(key) != 32:
        raise InvalidInput("identity.field_key_invalid", detail="a key must be 32 bytes")
    return key


def generate_key() -> str:
    """A new random key, base64url-encoded, for the settings."""
    return base64.urlsafe_b64encode(os.urandom(32)).decode("ascii").rstrip("=")


@dataclass(frozen=True)
class FieldCipher:
    """AES-256-GCM over short text fields, with a key ring for rotation.

    `context` (for instance the column name) is bound as associated data, so a
    ciphertext copied from the phone column into the ID column fails to decrypt.
    """

    keys: Mapping[str, bytes]
    current_key_id: str
    index_key: bytes

    @classmethod
    def from_settings(
        cls, keys: Mapping[str, str], current_key_id: str, index_key: str
    ) -> FieldCipher:
        """Build from base64url key material, as settings hold it."""
        if current_key_id not in keys:
            raise InvalidInput("identity.field_key_invalid", detail="current key id not in ring")
        if any("." in kid or not kid for kid in keys):
            raise InvalidInput("identity.field_key_invalid", detail="key ids may not contain '.'")
        return cls(
            keys={kid: _decode_key(m) for kid, m in keys.items()},
            current_key_id=current_key_id,
            index_key=_decode_key(index_key),
        )

    def encrypt(self, plaintext: str, context: str) -> str:
        nonce = os.urandom(_NONCE_BYTES)
        sealed = AESGCM(self.keys[self.current_key_id]).encrypt(
            nonce, plaintext.encode("utf-8"), context.encode("utf-8")
        )
        body = base64.urlsafe_b64encode(nonce + sealed).decode("ascii")
        return f"{_PREFIX}.{self.current_key_id}.{body}"

    def decrypt(self, token: str, context: str) -> str:
        try:
            prefix, kid, body = token.split(".", 2)
            key = self.keys[kid]
            raw = base64.urlsafe_b64decode(body.encode("ascii"))
            if prefix != _PREFIX or len(raw) <= _NONCE_BYTES:
                raise ValueError(prefix)
            plain = AESGCM(key).decrypt(
                raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], context.encode("utf-8")
            )
        except (ValueError, KeyError, InvalidTag) as exc:
            raise InvalidInput("identity.ciphertext_invalid") from exc
        return plain.decode("utf-8")

    def needs_reencryption(self, token: str) -> bool:
        """True when `token` was made with a key other than the current one."""
        parts = token.split(".", 2)
        return len(parts) != 3 or parts[1] != self.current_key_id

    def blind_index(self, value: str, context: str) -> str:
        """A keyed, deterministic hash of a normalised value, for equality lookups."""
        mac = hmac.new(self.index_key, f"{context}\x00{value}".encode(), hashlib.sha256)
        return mac.hexdigest()


def mask_phone(phone: str) -> str:
    """`13812345678` -> `138****5678`."""
    if len(phone) < 7:
        return "*" * len(phone)
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]


def mask_id_number(number: str) -> str:
    """`620102199001011234` -> `620102********1234`: region and last four only."""
    if len(number) < 10:
        return "*" * len(number)
    return number[:6] + "*" * (len(number) - 10) + number[-4:]


def mask_name(name: str) -> str:
    """`张三` -> `张*`, `欧阳娜娜` -> `欧**娜`: the family name's first character stays."""
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def mask_login(login: str) -> str:
    """Masks a login that is a phone or ID number; leaves other logins alone."""
    if login.isdigit() and len(login) == 11:
        return mask_phone(login)
    if len(login) == 18 and login[:17].isdigit():
        return mask_id_number(login)
    return login
