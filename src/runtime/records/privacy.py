"""Personal data of records: kept apart, sealed at rest, masked for whoever may not see it.

A record's `pii` fields (and `pii` columns of its tables) never sit in the
JSONB `data`. They are split off into a part of the same shape, which is
sealed with the platform's field cipher (AES-256-GCM, bound to the tenant and
the item type) and kept beside a masked copy: lists and exports read the
masked copy and never decrypt; showing the values in full needs the
`record_pii` permission and is audited. Top-level scalar `pii` fields also get
a keyed hash (blind index), so staff can still find a record by ID number.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from yiwang.metadata.documents.shapes import Document
from yiwang.policy.identity.crypto import FieldCipher, mask_id_number, mask_name, mask_phone

#: the parts of a record: its own fields, and an application's business form
PARTS = ("data", "form")


@dataclass(frozen=True)
class Split:
    """One part of a record, its personal data taken out."""

    plain: dict[str, Any]
    secret: dict[str, Any] = field(default_factory=dict)
    masked: dict[str, Any] = field(default_factory=dict)
    #: top-level scalar pii values, normalised, for the blind index
    lookup: dict[str, str] = field(default_factory=dict)


def _pii_columns(field_def: Mapping[str, Any]) -> list[str]:
    return [k for k, c in field_def.get("columns", {}).items() if c.get("pii")]


def split(document: Document, values: Mapping[str, Any]) -> Split:
    """Separate `values` into what may be stored in clear and what must be sealed."""
    plain: dict[str, Any] = {}
    secret: dict[str, Any] = {}
    masked: dict[str, Any] = {}
    lookup: dict[str, str] = {}
    fields = document["fields"]
    for key, value in values.items():
        definition = fields.get(key)
        if definition is None:
            plain[key] = value
        elif definition.get("pii"):
            secret[key] = value
            masked[key] = mask_value(definition, key, value)
            if isinstance(value, str | int) and not isinstance(value, bool):
                lookup[key] = normalise(value)
        elif (columns := _pii_columns(definition)) and isinstance(value, list):
            rows_plain: list[Any] = []
            rows_secret: list[dict[str, Any]] = []
            rows_masked: list[dict[str, Any]] = []
            for row in value:
                if not isinstance(row, dict):
                    rows_plain.append(row)
                    rows_secret.append({})
                    rows_masked.append({})
                    continue
                rows_plain.append({c: v for c, v in row.items() if c not in columns})
                hidden = {c: v for c, v in row.items() if c in columns}
                rows_secret.append(hidden)
                rows_masked.append(
                    {c: mask_value(definition["columns"][c], c, v) for c, v in hidden.items()}
                )
            plain[key] = rows_plain
            if any(rows_secret):
                secret[key] = rows_secret
                masked[key] = rows_masked
        else:
            plain[key] = value
    return Split(plain, secret, masked, lookup)


def merge(plain: Mapping[str, Any], part: Mapping[str, Any] | None) -> dict[str, Any]:
    """`plain` with a secret or masked part put back (table rows by position)."""
    out = dict(plain)
    for key, value in (part or {}).items():
        current = out.get(key)
        if isinstance(value, list) and isinstance(current, list):
            out[key] = [
                {**row, **extra} if isinstance(row, dict) and isinstance(extra, dict) else row
                for row, extra in zip(current, value, strict=False)
            ] + current[len(value) :]
        else:
            out[key] = value
    return out


def normalise(value: str | int) -> str:
    """What equal personal values have in common: no surrounding space, upper-case letters."""
    return str(value).strip().upper()


def mask_text(text: str) -> str:
    """A value shown to someone who may not read it: its shape, not its content."""
    if "@" in text:
        local, _, domain = text.partition("@")
        return (local[:1] + "***@" + domain) if local else "***@" + domain
    compact = text.replace(" ", "")
    if len(compact) == 18 and compact[:17].isdigit():
        return mask_id_number(compact)
    digits = compact.replace("-", "")
    if digits.isdigit() and 7 <= len(digits) <= 12:
        return mask_phone(compact)
    if len(text) <= 4:
        return mask_name(text)
    keep = max(1, len(text) // 3)
    return text[:keep] + "*" * min(6, len(text) - keep)


def mask_value(definition: Mapping[str, Any], key: str, value: Any) -> Any:
    """The masked form of one field's value, by its format and then by its shape."""
    if value is None or isinstance(value, bool):
        return value
    if not isinstance(value, str):
        return "***"
    fmt = definition.get("format")
    if fmt == "id_card":
        return mask_id_number(value)
    if fmt == "phone":
        return mask_phone(value)
    if key.endswith("name") and len(value) <= 10:
        return mask_name(value)
    return mask_text(value)


class PiiSeal:
    """Seals and opens the personal part of a record with the platform's field cipher."""

    def __init__(self, cipher: FieldCipher) -> None:
        self.cipher = cipher

    @staticmethod
    def _context(tenant_id: int, type_key: str) -> str:
        return f"record:{tenant_id}:{type_key}"

    def seal(self, tenant_id: int, type_key: str, secret: Mapping[str, Any]) -> str:
        text = json.dumps(secret, ensure_ascii=False, separators=(",", ":"))
        return self.cipher.encrypt(text, self._context(tenant_id, type_key))

    def open(self, tenant_id: int, type_key: str, token: str) -> dict[str, Any]:
        value = json.loads(self.cipher.decrypt(token, self._context(tenant_id, type_key)))
        return value if isinstance(value, dict) else {}

    def blind_index(self, type_key: str, key: str, value: str | int) -> str:
        return self.cipher.blind_index(normalise(value), f"record:{type_key}:{key}")
