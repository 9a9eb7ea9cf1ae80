"""Opaque keyset cursors: the sort values of the last row of a page, and the query they
belong to.

A cursor is base64url JSON the client hands back unchanged. It carries the
fingerprint of the query (type, view, filters, order); a cursor of another
query, or one tampered into another shape, is refused. Its values are typed
back by the order's kinds and bound as parameters like any filter value.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from yiwang.runtime.lists.errors import ListQueryInvalid
from yiwang.runtime.lists.query import Order, Plan

MAX_CURSOR = 2048


def _encode_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def encode(plan: Plan, values: Sequence[Any]) -> str:
    body = {"f": plan.fingerprint(), "k": [_encode_value(v) for v in values]}
    raw = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def _invalid() -> ListQueryInvalid:
    return ListQueryInvalid("lists.cursor_invalid", pointer="/cursor")


def _decode_value(order: Order, value: Any) -> Any:
    if value is None:
        if order.field is None:
            raise _invalid()
        return None
    if order.field is None:
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise _invalid()
        return value
    if order.kind == "integer":
        if not isinstance(value, int) or isinstance(value, bool) or not -(2**63) <= value < 2**63:
            raise _invalid()
        return value
    if order.kind == "number":
        if not isinstance(value, str | int) or isinstance(value, bool):
            raise _invalid()
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            raise _invalid() from None
        if not number.is_finite():
            raise _invalid()
        return number
    if order.kind == "boolean":
        if not isinstance(value, bool):
            raise _invalid()
        return value
    if not isinstance(value, str) or len(value) > 1000:
        raise _invalid()
    if order.kind == "instant":
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            raise _invalid() from None
    return value


def decode(plan: Plan, cursor: str) -> list[Any]:
    """The sort values after which the page starts; `ListQueryInvalid` for anything else."""
    if len(cursor) > MAX_CURSOR:
        raise _invalid()
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        body = json.loads(raw)
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise _invalid() from None
    if not isinstance(body, dict) or body.get("f") != plan.fingerprint():
        raise _invalid()
    values = body.get("k")
    if not isinstance(values, list) or len(values) != len(plan.order):
        raise _invalid()
    return [_decode_value(o, v) for o, v in zip(plan.order, values, strict=True)]
