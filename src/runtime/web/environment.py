"""The one Jinja environment the app renders pages with: the shell's templates first,
then each room's own folder, autoescape always on, the catalogue as `t()`."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Final

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from yiwang.platform.i18n import translate
from yiwang.runtime.static.files import VENDOR_URL, asset_url

TEMPLATES: Final = Path(__file__).resolve().parent / "templates"
#: the vendored htmx, progressive enhancement only: every page works without it
HTMX_URL: Final = f"{VENDOR_URL}/htmx-2.0.11/htmx.min.js"


def page_environment(rooms: Sequence[Path]) -> Environment:
    """An environment that finds `layout.html` and `error.html`, then the rooms' templates."""
    env = Environment(
        loader=FileSystemLoader([TEMPLATES, *rooms]),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        # templates ship with the package and change only with a new process: no stat()
        # of every template and include on every render
        auto_reload=False,
    )
    env.globals["t"] = translate
    env.globals["asset"] = asset_url
    env.globals["htmx_url"] = HTMX_URL
    return env
