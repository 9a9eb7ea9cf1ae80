"""Casbin domains are tenant paths: `/620000/620100/620102`.

A grant or a rule at a node reaches the node and everything below it. The
test is a string prefix on path segments, `dom == node or
dom.startswith(node + "/")`, with trailing slashes stripped from `node` so
that the root `/` (where permission templates are written once) is the parent
of every province: no rule names a province, so none assumes Gansu.
"""

from __future__ import annotations

from yiwang.tenants.tree import is_tenant_path, path_codes, path_within

#: the domain of the permission templates: above every province
ROOT = "/"

__all__ = ["ROOT", "ancestors_or_self", "in_subtree", "is_tenant_path", "parent_path"]


def in_subtree(dom: str, node: str) -> bool:
    """True when the tenant path `dom` is `node` or lies below it.

    This is the domain-matching function registered both in the Casbin matcher
    and with `add_named_domain_matching_func("g", ...)`; its argument order is
    the one Casbin's domain manager uses (requested domain, then the grant's).
    """
    return path_within(dom, node)


def ancestors_or_self(path: str) -> list[str]:
    """`/a/b/c` -> `["/", "/a", "/a/b", "/a/b/c"]`, root first."""
    codes = path_codes(path)
    return [ROOT] + ["/" + "/".join(codes[: i + 1]) for i in range(len(codes))]


def parent_path(path: str) -> str | None:
    codes = path_codes(path)
    if not codes:
        return None
    return "/" + "/".join(codes[:-1]) if len(codes) > 1 else ROOT
