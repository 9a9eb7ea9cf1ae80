"""Original file names: kept as metadata only, checked, and sent back encoded.

A name never becomes part of a storage key. One that carries a path (`/`, `\\`,
`..`), control or text-direction characters, or is too long is refused rather
than silently changed, so what the person sees later is what they chose.
Downloads name the file per RFC 6266 with an RFC 5987 `filename*` for names
that are not plain ASCII (Chinese names), and an ASCII fallback for old clients.
"""

from __future__ import annotations

import unicodedata
from typing import Final
from urllib.parse import quote

from yiwang.platform.i18n import translate
from yiwang.platform.text import is_safe_name
from yiwang.runtime.attachments.errors import UploadRefused

MAX_NAME_LENGTH: Final = 255
#: characters RFC 5987 allows unencoded in `filename*` (attr-char)
_ATTR_CHARS: Final = "!#$&+-.^_`|~"
#: characters kept in the ASCII fallback `filename="..."`
_FALLBACK_CHARS: Final = frozenset(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 !#$&'()+,-.=@[]^_`{}~"
)


def _refuse(reason: str, **params: object) -> UploadRefused:
    return UploadRefused(
        "attachments.name_invalid",
        pointer="/name",
        detail=translate(f"attachments.name.{reason}", **params),
    )


def clean_name(raw: str) -> str:
    """The name as stored: NFC-normalised and trimmed; refused if it carries a path,
    control characters or is too long."""
    name = unicodedata.normalize("NFC", raw).strip()
    if not name or name.strip(".") == "":
        raise _refuse("empty")
    if "/" in name or "\\" in name:
        raise _refuse("path")
    # the kernel's rule for names: no C0/C1, bidi, zero-width or separator characters
    if not is_safe_name(name):
        raise _refuse("control")
    if len(name) > MAX_NAME_LENGTH:
        raise _refuse("too_long", max=MAX_NAME_LENGTH)
    return name


def extension_of(name: str) -> str:
    """The lower-cased extension without its dot, or "" for a name without one."""
    stem, dot, extension = name.rpartition(".")
    return extension.lower() if dot and stem else ""


def content_disposition(name: str, kind: str = "attachment") -> str:
    """`attachment` (or `inline`) with the name for every browser: `filename*` (UTF-8,
    RFC 5987) and an ASCII `filename` fallback."""
    extension = extension_of(name)
    if all(ch in _FALLBACK_CHARS for ch in name):
        fallback = name
    else:
        ascii_extension = extension if extension.isascii() and extension.isalnum() else ""
        fallback = "attachment" + (f".{ascii_extension}" if ascii_extension else "")
    encoded = quote(name, safe=_ATTR_CHARS, encoding="utf-8")
    return f"{kind}; filename=\"{fallback}\"; filename*=UTF-8''{encoded}"
