"""The Casbin enforcer behind every authorisation decision.

A `PolicyEngine` is built from one immutable `PolicySnapshot` (rules, grants,
version) and is never changed afterwards: a policy change produces a new
snapshot, a new engine is built on the worker's own event loop and the
reference is swapped (see `PolicyHolder`). Enforcers are not thread-safe, so
an engine is only ever used from the thread of the loop that built it.

Three things keep a decision cheap while Casbin still makes it:
- rules are indexed by (object, action) with pycasbin's `FastEnforcer`, so a
  decision scans the handful of rules for what is asked, not all of them;
- grants live in `NodeRoleManager`, a dict keyed by user;
- the matcher is compiled once (`matcher.CompiledMatcher`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

import casbin
from casbin.core_enforcer import CoreEnforcer
from casbin.model import FastModel, fast_policy_filter
from casbin.util.log import disabled_logging

from yiwang.policy.catalogue import PolicyRule, RoleCatalogue
from yiwang.policy.domains import ROOT, in_subtree
from yiwang.policy.matcher import CompiledMatcher, NotCompilableError
from yiwang.policy.role_manager import NodeRoleManager

# pycasbin logs the whole model at INFO whenever an enforcer is built, and every
# refused request at WARNING: noise at our decision rates. Refusals that matter
# are audited by the callers.
disabled_logging()

MODEL_RESOURCE = "model.conf"
#: positions of (object, action) in both the request and the `p` rule
_INDEX = (2, 3)
SUBTREE_GRANT = "g"
NODE_GRANT = "g2"


@lru_cache(maxsize=1)
def model_text() -> str:
    return resources.files("yiwang.policy").joinpath(MODEL_RESOURCE).read_text(encoding="utf-8")


_USER_PREFIX = "user:"


def user_subject(account_id: int) -> str:
    """The Casbin subject of a staff account."""
    return f"{_USER_PREFIX}{account_id}"


@dataclass(frozen=True)
class Grant:
    """A role held by a subject at a tenant node, for the node only or its subtree."""

    subject: str
    role: str
    node: str
    subtree: bool

    @property
    def ptype(self) -> str:
        return SUBTREE_GRANT if self.subtree else NODE_GRANT

    def reaches(self, dom: str) -> bool:
        return in_subtree(dom, self.node) if self.subtree else dom == self.node

    def as_dict(self) -> dict[str, Any]:
        return {"role": self.role, "node": self.node, "subtree": self.subtree}


@dataclass(frozen=True)
class PolicySnapshot:
    version: int
    rules: tuple[PolicyRule, ...]
    grants: tuple[Grant, ...]
    #: roles held implicitly by a kind of account (citizen, legal_person); such a
    #: role's key is itself a valid subject. Every other subject is `user:<id>`.
    implicit_roles: frozenset[str] = frozenset()


def catalogue_snapshot(
    catalogue: RoleCatalogue,
    *,
    version: int,
    grants: Iterable[Grant] = (),
    overrides: Iterable[PolicyRule] = (),
) -> PolicySnapshot:
    """The catalogue's root templates plus regional overrides and grants."""
    return PolicySnapshot(
        version=version,
        rules=(*catalogue.template_rules(), *overrides),
        grants=tuple(grants),
        implicit_roles=frozenset(r.key for r in catalogue.roles.values() if r.account_kind),
    )


@dataclass(frozen=True)
class Decision:
    allowed: bool
    #: the rule that decided: the deny that refused, or an allow that admitted;
    #: None when no rule matched (refused by default)
    rule: PolicyRule | None


class _FastModel(FastModel):  # type: ignore[misc]
    """pycasbin's `FastModel.add_def` returns None, which makes the model loader
    stop after the first key of a section: `g2` would be dropped silently."""

    def add_def(self, sec: str, key: str, value: Any) -> bool:
        super().add_def(sec, key, value)
        return bool(value != "")


class _Enforcer(casbin.FastEnforcer):  # type: ignore[misc]
    """FastEnforcer whose matcher is compiled once instead of parsed per decision."""

    def __init__(self, model: _FastModel) -> None:
        self._matchers: dict[str, Any] = {}
        super().__init__(model, None, cache_key_order=list(_INDEX))

    def _get_expression(self, expr: str, functions: Any = None) -> Any:
        compiled = self._matchers.get(expr)
        if compiled is None:
            fallback = CoreEnforcer._get_expression(expr, functions)
            try:
                compiled = CompiledMatcher(fallback.expr, functions)
            except NotCompilableError:
                compiled = fallback
            self._matchers[expr] = compiled
        return compiled


class PolicyEngine:
    """Casbin decisions over one snapshot of the policy."""

    def __init__(self, snapshot: PolicySnapshot) -> None:
        self.version = snapshot.version
        self._implicit_roles = snapshot.implicit_roles
        model = _FastModel(list(_INDEX))
        model.load_model_from_text(model_text())
        enforcer = _Enforcer(model)
        enforcer.add_function("in_subtree", in_subtree)
        self._subtree_grants = NodeRoleManager()
        self._node_grants = NodeRoleManager()
        enforcer.set_named_role_manager(SUBTREE_GRANT, self._subtree_grants)
        enforcer.set_named_role_manager(NODE_GRANT, self._node_grants)
        enforcer.add_named_domain_matching_func(SUBTREE_GRANT, in_subtree)

        self._policy = model.model["p"]["p"].policy
        for row in dict.fromkeys(tuple(r.as_row()) for r in snapshot.rules):
            self._policy.append(list(row))
        # Assigned whole: Model.add_policy checks membership in a list, which is
        # quadratic over 10,000 grants. Casbin's adapters load the same way.
        for ptype in (SUBTREE_GRANT, NODE_GRANT):
            rows = dict.fromkeys(
                (g.subject, g.role, g.node) for g in snapshot.grants if g.ptype == ptype
            )
            model.model["g"][ptype].policy = [list(r) for r in rows]
        enforcer.build_role_links()
        self._enforcer = enforcer
        self.rule_count = len(dict.fromkeys(snapshot.rules))
        self.grant_count = self._subtree_grants.link_count() + self._node_grants.link_count()

    def decide(self, subject: str, dom: str, obj: str, action: str) -> Decision:
        """Casbin's decision, uncached."""
        if not subject.startswith(_USER_PREFIX) and subject not in self._implicit_roles:
            # A role key as subject "holds" that role (Casbin's convention); only
            # the implicit roles of citizens and legal persons may be used so.
            return Decision(False, None)
        with fast_policy_filter(self._policy, obj, action):
            allowed, row = self._enforcer.enforce_ex(subject, dom, obj, action)
        return Decision(bool(allowed), PolicyRule(*row) if row else None)

    def allowed(self, subject: str, dom: str, obj: str, action: str) -> bool:
        return self.decide(subject, dom, obj, action).allowed

    def grants_of(self, subject: str) -> list[Grant]:
        """Every grant of `subject`, subtree grants first."""
        subtree = self._subtree_grants.links_of(subject)
        node_only = self._node_grants.links_of(subject)
        return [Grant(subject, role, node, True) for role, node in subtree] + [
            Grant(subject, role, node, False) for role, node in node_only
        ]

    def subjects(self) -> list[str]:
        """Every subject holding at least one grant."""
        return sorted({*self._subtree_grants.subjects(), *self._node_grants.subjects()})

    def grants_reaching(self, subject: str, dom: str) -> list[Grant]:
        return [g for g in self.grants_of(subject) if g.reaches(dom)]

    def roles_at(self, subject: str, dom: str) -> list[str]:
        """The roles `subject` holds at tenant `dom` (through any grant reaching it)."""
        return sorted({g.role for g in self.grants_reaching(subject, dom)})

    def grant_behind(self, subject: str, dom: str, role: str) -> Grant | None:
        """The grant through which `subject` holds `role` at `dom`, if any.

        A subject named like the role itself (citizens, legal persons) holds it
        implicitly everywhere; that is reported as a subtree grant at the root.
        """
        if subject == role:
            return Grant(subject, role, ROOT, True)
        return next((g for g in self.grants_reaching(subject, dom) if g.role == role), None)

    def rules(self) -> Iterable[PolicyRule]:
        return (PolicyRule(*row) for row in self._policy)
