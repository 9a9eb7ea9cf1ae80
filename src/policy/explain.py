"""Why a decision came out as it did, in the shape `yiwang policy explain` prints.

Operators script the command line, so the JSON shape is part of the interface:
`allowed` (bool), `rule` (the rule that decided, or null when none matched and
the request was refused by default), `grant` (the grant through which the
subject holds the rule's role) and `reason`, one of `allowed_by_rule`,
`denied_by_rule` and `no_matching_rule`.
"""

from __future__ import annotations

from typing import Any

from yiwang.policy.enforcer import PolicyEngine


def explain(engine: PolicyEngine, subject: str, dom: str, obj: str, action: str) -> dict[str, Any]:
    decision = engine.decide(subject, dom, obj, action)
    rule = decision.rule
    grant = engine.grant_behind(subject, dom, rule.role) if rule is not None else None
    if rule is None:
        reason = "no_matching_rule"
    elif decision.allowed:
        reason = "allowed_by_rule"
    else:
        reason = "denied_by_rule"
    return {
        "allowed": decision.allowed,
        "rule": rule.as_dict() if rule is not None else None,
        "grant": grant.as_dict() if grant is not None else None,
        "reason": reason,
        "request": {"subject": subject, "domain": dom, "object": obj, "action": action},
        "policy_version": engine.version,
    }
