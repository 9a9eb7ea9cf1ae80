"""Request bodies of the webhooks API (msgspec, strict)."""

from __future__ import annotations

from typing import Annotated

import msgspec


class SubscriberRequest(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A receiving system: where to POST, and which event kinds (`case.*`, `deadline.*`,
    `case.accepted` ...)."""

    url: Annotated[str, msgspec.Meta(max_length=2000)]
    kinds: Annotated[list[Annotated[str, msgspec.Meta(max_length=64)]], msgspec.Meta(max_length=50)]
