"""The strict JSON check every JSON request body passes before msgspec decodes it.

msgspec (through Litestar) would accept what this refuses: a body nested ten
thousand deep raises RecursionError inside the decoder (a 500), a key given
twice silently keeps the last value, and a NUL in a string reaches PostgreSQL,
which cannot store it (another 500). This check parses the raw body once with
the standard library, bounded in size first, and walks the result without
recursion; every refusal is a 4xx with the JSON pointer of the offending value.
"""

from __future__ import annotations

import json
import re
from typing import Any, Final

from yiwang.platform.errors import InvalidInput, MalformedRequest, PayloadTooLarge
from yiwang.platform.text import TEXT_UNSAFE, codepoint, first_unsafe

#: deep enough for any form or metadata document, far below Python's recursion limit
MAX_DEPTH: Final = 64


#: the only way a control character or a lone surrogate gets into a parsed JSON string:
#: the parser refuses them raw, so they arrive as escapes (false positives only cost a walk)
_ESCAPED_UNSAFE: Final = re.compile(r"\\u(?:00[01]|[dD][89abAB])", re.ASCII)


class _Duplicated:
    """Stands, as a dict key, for the keys an object repeated (reported by the walk)."""

    __slots__ = ("keys",)

    def __init__(self, keys: list[str]) -> None:
        self.keys = keys


def _pairs(pairs: list[tuple[str, Any]]) -> dict[Any, Any]:
    out: dict[Any, Any] = dict(pairs)
    if len(out) != len(pairs):
        seen: set[str] = set()
        repeated = [k for k, _ in pairs if k in seen or seen.add(k)]  # type: ignore[func-returns-value]
        out[_Duplicated(repeated)] = None
    return out


def _not_json(_: str) -> Any:
    raise ValueError("NaN and Infinity are not JSON")


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def _pointer(path: tuple[Any, ...] | None) -> str:
    parts: list[str] = []
    while path is not None:
        path, token = path
        parts.append(_escape(str(token)))
    return "".join("/" + p for p in reversed(parts))


def check_json(raw: bytes, *, max_bytes: int, max_depth: int = MAX_DEPTH) -> Any:
    """Parse `raw` strictly and return the value, or raise a 4xx `YiwangError`."""
    if len(raw) > max_bytes:
        raise PayloadTooLarge("request.too_large", limit=max_bytes)
    try:
        text = raw.decode("utf-8")
        value = json.loads(text, object_pairs_hook=_pairs, parse_constant=_not_json)
    except RecursionError:
        raise InvalidInput("request.json_too_deep", pointer="", limit=max_depth) from None
    except ValueError:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        raise MalformedRequest("request.body_not_json") from None
    _walk(value, max_depth, texts=_ESCAPED_UNSAFE.search(text) is not None)
    return value


def _walk(value: Any, max_depth: int, *, texts: bool) -> None:
    """Depth and duplicates everywhere; strings only when an escape could have made one bad."""
    # (value, depth, path) with path a linked list (parent, token): pointers cost only on failure
    stack: list[tuple[Any, int, tuple[Any, ...] | None]] = [(value, 0, None)]
    while stack:
        item, depth, path = stack.pop()
        if isinstance(item, str):
            _check_text(item, path)
            continue
        if not isinstance(item, (dict, list)):
            continue
        if depth >= max_depth:
            raise InvalidInput("request.json_too_deep", pointer=_pointer(path), limit=max_depth)
        if isinstance(item, dict):
            for key, child in item.items():
                if type(key) is _Duplicated:
                    first = key.keys[0]
                    raise InvalidInput(
                        "request.duplicate_key", pointer=_pointer((path, first)), key=first[:64]
                    )
                if texts:
                    _check_text(key, (path, key))
                if isinstance(child, (dict, list)) or (texts and isinstance(child, str)):
                    stack.append((child, depth + 1, (path, key)))
        else:
            for index, child in enumerate(item):
                if isinstance(child, (dict, list)) or (texts and isinstance(child, str)):
                    stack.append((child, depth + 1, (path, index)))


def _check_text(text: str, path: tuple[Any, ...] | None) -> None:
    at = first_unsafe(text, TEXT_UNSAFE)
    if at is not None:
        raise InvalidInput(
            "request.control_character", pointer=_pointer(path), char=codepoint(text[at])
        )
