"""Overlay rules for document rules: add stricter `x_` rules, tighten counts.

An inherited rule keeps what it compares and counts; a region may only raise
its minimum, lower its maximum or relabel it. Removing one is refused.
"""

from __future__ import annotations

from typing import Any

from yiwang.metadata.documents import pointers
from yiwang.metadata.documents.problems import Problems
from yiwang.metadata.overlays.fields import add_local, tighten_bound


def apply_rule_patches(
    rules: dict[str, Any], patches: dict[str, Any], pointer: str, problems: Problems
) -> None:
    """Apply the overlay's `rules` in place."""
    for key, patch in patches.items():
        here = pointers.join(pointer, key)
        if key in rules:
            if patch is None:
                problems.add("metadata.overlay.rule_removed", here, rule=key)
            else:
                _patch_rule(rules[key], patch, here, problems)
        elif patch is None:
            problems.add("metadata.overlay.unknown_target", here, key=key)
        else:
            add_local(rules, key, "rule", patch, here, problems)


def _patch_rule(
    rule: dict[str, Any], patch: dict[str, Any], pointer: str, problems: Problems
) -> None:
    for name, value in patch.items():
        here = pointers.join(pointer, name)
        if name == "label":
            rule[name] = value
        elif name == "min":
            tighten_bound(rule, name, value, here, problems, lower=True)
        elif name == "max":
            tighten_bound(rule, name, value, here, problems, lower=False)
        elif value != rule.get(name):
            problems.add("metadata.overlay.patch_not_allowed", here, property=name)
