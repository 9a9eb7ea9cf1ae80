"""The JSON-lines file that development gateways write instead of sending.

The login codes' SMS gateway and the cases' notification gateways each have a
development twin that appends every message here, so that tests and developers
read what a phone or a mailbox would have received. One writer keeps the format
the same for all of them.
"""

from __future__ import annotations

import asyncio
import json
from datetime import datetime
from pathlib import Path
from typing import Any


async def append_message(path: Path, **fields: str) -> None:
    """Appends one message, stamped with the local time, without blocking the loop."""
    line = json.dumps({"at": datetime.now().astimezone().isoformat(), **fields}, ensure_ascii=False)
    await asyncio.to_thread(_append, path, line)


def _append(path: Path, line: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as fh:
        fh.write(line + "\n")


def read_messages(path: Path) -> list[dict[str, Any]]:
    """Every message written to `path`, oldest first."""
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
