"""The Gansu division tree, read from the shipped divisions file into the one tenant tree.

A small reader of its own, so policy tests depend on nothing but the file.
"""

from __future__ import annotations

import csv
from functools import lru_cache
from pathlib import Path

from yiwang.tenants.tree import TenantNode, TenantTree, child_path

TEMPLATES = Path(__file__).resolve().parents[3] / "tenant_templates"


@lru_cache(maxsize=1)
def gansu() -> TenantTree:
    with (TEMPLATES / "gansu-divisions.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    parent = {r["code"]: (r["parent_code"] or None) for r in rows}

    def path(code: str) -> str:
        up = parent[code]
        return child_path(path(up) if up else None, code)

    return TenantTree.of(
        TenantNode(
            id=i + 1,
            code=r["code"],
            name=r["name"],
            level=r["level"],
            status="active",
            slug=r["code"],
            path=path(r["code"]),
            parent_code=parent[r["code"]],
        )
        for i, r in enumerate(sorted(rows, key=lambda r: r["code"]))
    )
