"""The reader's display preferences (适老化): large text and plain reading, in one cookie.

A link sets them (`GET .../display?set=large`), so they work with no script; the
page shell reads them into two classes on `<html>`. Pure: no request, no session.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final
from urllib.parse import quote

COOKIE: Final = "yw_display"
#: a year: a preference, not a session
MAX_AGE: Final = 365 * 24 * 3600
#: what `set=` accepts, and which flag it turns on or off
SETTINGS: Final = {
    "large": ("large", True),
    "standard_size": ("large", False),
    "plain": ("plain", True),
    "rich": ("plain", False),
}


@dataclass(frozen=True)
class Display:
    large: bool = False
    plain: bool = False

    @property
    def classes(self) -> str:
        """The classes of `<html>` the stylesheet keys on."""
        return " ".join(
            name for name, on in (("text-large", self.large), ("mode-plain", self.plain)) if on
        )

    @property
    def cookie(self) -> str:
        return ",".join(name for name, on in (("large", self.large), ("plain", self.plain)) if on)

    def with_setting(self, setting: str) -> Display:
        """This preference with `setting` applied; an unknown setting changes nothing."""
        if setting not in SETTINGS:
            return self
        flag, on = SETTINGS[setting]
        return Display(on, self.plain) if flag == "large" else Display(self.large, on)


def display_of(cookie: str | None) -> Display:
    """The preferences a cookie holds; anything unknown in it is ignored."""
    parts = set((cookie or "")[:64].split(","))
    return Display(large="large" in parts, plain="plain" in parts)


def safe_back(path: str | None, default: str) -> str:
    """Where to return after setting a preference: a path on this site, nothing else."""
    if not path or not path.startswith("/") or path.startswith("//") or "\\" in path:
        return default
    if any(ord(c) < 0x20 for c in path) or len(path) > 1000:
        return default
    return path


def toggle_links(base: str, here: str, display: Display) -> list[tuple[str, str]]:
    """(setting, url) for the shell's two toggles: each link flips one flag."""
    back = quote(here, safe="/")
    size = "standard_size" if display.large else "large"
    mode = "rich" if display.plain else "plain"
    return [
        (size, f"{base}?set={size}&back={back}"),
        (mode, f"{base}?set={mode}&back={back}"),
    ]
