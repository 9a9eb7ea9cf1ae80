"""Which request bodies a route takes.

A route takes `application/json` unless its `opt` says more:
`opt={"accepts": ("application/json", "application/yaml")}` names every media
type it documents, and `opt={"forms": True}` adds the two HTML form encodings
(whose token then travels in the `_csrf` field). A body of any other type gets
415 before the handler runs: `text/plain` and form posts are exactly what a
cross-site page can send without a preflight.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

JSON: Final = "application/json"
FORM_TYPES: Final = ("application/x-www-form-urlencoded", "multipart/form-data")
DEFAULT_ACCEPTS: Final = (JSON,)


def media_type(content_type: str | None) -> str:
    """`application/json` from `application/json; charset=utf-8`."""
    return (content_type or "").split(";", 1)[0].strip().lower()


def is_json(media: str) -> bool:
    return media == JSON or (media.startswith("application/") and media.endswith("+json"))


def takes_forms(opt: Mapping[str, Any]) -> bool:
    return opt.get("forms") is True


def accepted(opt: Mapping[str, Any]) -> tuple[str, ...]:
    declared = opt.get("accepts")
    types = tuple(str(t).lower() for t in declared) if declared else DEFAULT_ACCEPTS
    return (*types, *FORM_TYPES) if takes_forms(opt) else types
