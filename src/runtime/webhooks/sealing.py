"""A subscriber's secret at rest: sealed with the platform's field cipher.

We sign every delivery with the subscriber's secret, so we must be able to
read it back: a hash (as for passwords) would not do. It is sealed with
AES-256-GCM under the field key ring (`YIWANG_FIELD_KEYS`, rotated like the
personal data's keys), bound to the tenant and the subscriber as associated
data, so a sealed secret copied onto another subscriber's row does not open.
It is shown once, when created or rotated, and never listed.
"""

from __future__ import annotations

import uuid

from yiwang.policy.identity.crypto import FieldCipher


def _context(tenant_id: int, subscriber_id: uuid.UUID) -> str:
    return f"webhook_secret:{tenant_id}:{subscriber_id}"


def seal(cipher: FieldCipher, tenant_id: int, subscriber_id: uuid.UUID, secret: str) -> str:
    return cipher.encrypt(secret, _context(tenant_id, subscriber_id))


def unseal(cipher: FieldCipher, tenant_id: int, subscriber_id: uuid.UUID, sealed: str) -> str:
    return cipher.decrypt(sealed, _context(tenant_id, subscriber_id))
