"""The static routes: `/static/vendor/...` and `/static/yiwang/...`.

Vendored files never change under a path (a new version is a new folder), so
they are cached for a year and marked immutable. Our own files may change
with a release: pages reference them with `?v=<version>` and they are cached
for a day.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

from litestar.datastructures import CacheControlHeader
from litestar.router import Router
from litestar.static_files import create_static_files_router

from yiwang import __version__

ROOT: Final = Path(__file__).resolve().parent
VENDOR_URL: Final = "/static/vendor"
OWN_URL: Final = "/static/yiwang"
YEAR: Final = 365 * 24 * 3600
DAY: Final = 24 * 3600


def asset_url(path: str) -> str:
    """The URL of one of our own files, versioned so a release is never served stale."""
    return f"{OWN_URL}/{path}?v={__version__}"


def static_routers() -> list[Router]:
    return [
        create_static_files_router(
            path=VENDOR_URL,
            directories=[ROOT / "vendor"],
            name="static_vendor",
            opt={"public": True},
            cache_control=CacheControlHeader(max_age=YEAR, public=True, immutable=True),
        ),
        create_static_files_router(
            path=OWN_URL,
            directories=[ROOT / "yiwang"],
            name="static_yiwang",
            opt={"public": True},
            cache_control=CacheControlHeader(max_age=DAY, public=True),
        ),
    ]
