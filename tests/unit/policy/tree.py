"""The Gansu division tree as tenant paths, read from the shipped divisions file.

A small reader of its own, so policy tests depend on nothing but the file.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from yiwang.policy.grants import TenantNode

TEMPLATES = Path(__file__).resolve().parents[3] / "tenant_templates"


@dataclass(frozen=True)
class Tree:
    nodes: dict[str, TenantNode]  # by code
    by_path: dict[str, TenantNode]
    parent: dict[str, str | None]  # code -> parent code

    def node(self, code: str) -> TenantNode:
        return self.nodes[code]

    def path(self, code: str) -> str:
        return self.nodes[code].path

    def children(self, code: str) -> list[str]:
        return sorted(c for c, p in self.parent.items() if p == code)


@lru_cache(maxsize=1)
def gansu() -> Tree:
    with (TEMPLATES / "gansu-divisions.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    parent = {r["code"]: (r["parent_code"] or None) for r in rows}
    names = {r["code"]: r["name"] for r in rows}
    levels = {r["code"]: r["level"] for r in rows}

    def path(code: str) -> str:
        up = parent[code]
        return (path(up) if up else "") + "/" + code

    nodes = {
        code: TenantNode(id=i + 1, code=code, name=names[code], level=levels[code], path=path(code))
        for i, code in enumerate(sorted(parent))
    }
    return Tree(nodes=nodes, by_path={n.path: n for n in nodes.values()}, parent=parent)
