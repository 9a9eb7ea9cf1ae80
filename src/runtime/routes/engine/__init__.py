"""The route engine: (spec, state, action, actor, form data, now) -> new state and events.

Pure: no session, no clock of its own, no lookup of people or policy. States
are immutable and a refusal raises before the new state is returned, so a
refused action changes nothing; the caller stores `Transition.state`
(optimistically, on `state.version`) and its events in one transaction.

| module | holds |
| --- | --- |
| `transition` | `apply`: the checks every action passes, then its handler |
| `allowed` | `ALLOWED`: what each status lets anyone try |
| `run` | `Run`: the transition being built, its events and the clock |
| `duties` | separation of duties: which task, who may act on it |
| `steps` | moving along the route: open, close, skip, go back, join, decide on its own |
| `applicant`, `acceptance`, `voting`, `handover`, `decision` | the handlers, by who acts when |

Imports the rest of `yiwang.runtime.routes` and the kernel only.
"""

from yiwang.runtime.routes.engine.allowed import ALLOWED
from yiwang.runtime.routes.engine.transition import apply

__all__ = ["ALLOWED", "apply"]
