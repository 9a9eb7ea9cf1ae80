"""The worker's current policy engine, swapped whole when the policy changes.

Request handlers read `holder.engine` once per decision; a rebuild builds a new
`PolicyEngine` on the same event loop and assigns the reference, so a decision
always runs against one consistent engine and no enforcer is ever mutated
while another coroutine or thread could be reading it.
"""

from __future__ import annotations

from yiwang.policy.decision_cache import DecisionCache
from yiwang.policy.enforcer import Decision, PolicyEngine, PolicySnapshot


class PolicyHolder:
    def __init__(self, engine: PolicyEngine, cache: DecisionCache | None = None) -> None:
        self._engine = engine
        self.cache = cache if cache is not None else DecisionCache()

    @classmethod
    def from_snapshot(cls, snapshot: PolicySnapshot) -> PolicyHolder:
        return cls(PolicyEngine(snapshot))

    @property
    def engine(self) -> PolicyEngine:
        return self._engine

    @property
    def version(self) -> int:
        return self._engine.version

    def swap(self, engine: PolicyEngine) -> bool:
        """Install `engine` unless it is older than the current one; True if installed."""
        if engine.version < self._engine.version:
            return False
        self._engine = engine
        self.cache.forget_before(engine.version)
        return True

    def decide(self, subject: str, dom: str, obj: str, action: str) -> Decision:
        """A cached decision of the current engine."""
        engine = self._engine
        key = (engine.version, subject, dom, obj, action)
        found = self.cache.get(key)
        if found is not None:
            return found
        decision = engine.decide(subject, dom, obj, action)
        self.cache.put(key, decision)
        return decision

    def allowed(self, subject: str, dom: str, obj: str, action: str) -> bool:
        return self.decide(subject, dom, obj, action).allowed
