"""JSON pointers (RFC 6901): every metadata error names the value it concerns by one."""

from __future__ import annotations

from collections.abc import Iterable


def escape(token: str | int) -> str:
    """Escape one reference token (`~` and `/` are the only special characters)."""
    text = str(token)
    if "~" in text or "/" in text:
        return text.replace("~", "~0").replace("/", "~1")
    return text


def join(base: str, *tokens: str | int) -> str:
    """Append tokens to a pointer: `join("/fields", "a/b")` is `/fields/a~1b`."""
    return base + "".join(["/" + escape(t) for t in tokens])


def from_path(path: Iterable[str | int], base: str = "") -> str:
    """The pointer of a path such as jsonschema's `error.absolute_path`."""
    return join(base, *path)


def tokens(pointer: str) -> list[str]:
    """Split a pointer into unescaped tokens; the root pointer `""` has none."""
    if pointer == "":
        return []
    if not pointer.startswith("/"):
        raise ValueError(f"not a JSON pointer: {pointer!r}")
    return [t.replace("~1", "/").replace("~0", "~") for t in pointer[1:].split("/")]
