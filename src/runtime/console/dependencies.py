"""What the console's handlers may ask for by type: its parts, as one dependency."""

from __future__ import annotations

from litestar.di import Provide

from yiwang.runtime.console.staff import ConsoleParts


def dependencies(parts: ConsoleParts) -> dict[str, Provide]:
    def console() -> ConsoleParts:
        return parts

    return {"console": Provide(console, sync_to_thread=False)}
