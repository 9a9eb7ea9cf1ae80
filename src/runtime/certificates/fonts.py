"""The CJK font certificates are drawn with: local, found once, registered once.

A government server reaches no CDN and a PDF viewer may have no Chinese font,
so the glyphs are embedded (subset) from a font on this machine. Debian's
`fonts-wqy-zenhei` (GPL with a font-embedding exception; installed by
`scripts/ensure-deps.sh`) is the default; any font with TrueType outlines and
the needed glyphs can be configured instead (reportlab cannot embed CFF
outlines, so Noto CJK's .otf files do not qualify).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Final

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFError, TTFont

from yiwang.runtime.certificates.errors import CertificateSettingsInvalid, FontUnavailable
from yiwang.runtime.certificates.settings import CertificateSettings

#: Debian packages with TrueType outlines and GB 18030 coverage, in order of preference
DEFAULT_FONTS: Final = (
    (Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"), 0),
    (Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"), 0),
    (Path("/usr/share/fonts/truetype/arphic/uming.ttc"), 0),
)

_lock = threading.RLock()
_registered: list[str] = []


@dataclass(frozen=True)
class FontSpec:
    path: Path
    index: int = 0


@dataclass(frozen=True)
class LoadedFont:
    """A font registered with reportlab under `name`, and the characters it can draw."""

    name: str
    spec: FontSpec
    code_points: frozenset[int]

    def missing(self, text: str) -> list[str]:
        """Characters of `text` the font has no glyph for (white space aside), in order."""
        seen: dict[str, None] = {}
        for ch in text:
            if ord(ch) not in self.code_points and not ch.isspace():
                seen.setdefault(ch)
        return list(seen)


def find_font(settings: CertificateSettings) -> FontSpec:
    """The configured font, else the first default present; `FontUnavailable` if none."""
    if settings.font_file is not None:
        if not settings.font_file.is_file():
            raise CertificateSettingsInvalid(
                "certificates.settings.font_missing", path=settings.font_file
            )
        return FontSpec(settings.font_file, settings.font_index)
    for path, index in DEFAULT_FONTS:
        if path.is_file():
            return FontSpec(path, index)
    raise FontUnavailable("certificates.font_unavailable")


@cache
def _load(spec: FontSpec) -> LoadedFont:
    name = f"yiwang-cjk-{len(_registered)}"
    try:
        font = TTFont(name, str(spec.path), subfontIndex=spec.index)
    except (TTFError, OSError) as exc:
        raise FontUnavailable("certificates.font_unavailable") from exc
    pdfmetrics.registerFont(font)
    _registered.append(name)
    return LoadedFont(name=name, spec=spec, code_points=frozenset(font.face.charToGlyph))


def load_font(spec: FontSpec) -> LoadedFont:
    """Parse and register the font once per process (about 0.2 s for wqy-zenhei)."""
    with _lock:
        return _load(spec)


def render_lock() -> threading.RLock:
    """reportlab keeps per-document font state on shared font objects: one render at a time."""
    return _lock
