"""The approval-route engine: route specs, the pure state machine, BPMN export.

`spec` turns an effective route definition into an immutable `RouteSpec`;
`engine.apply` takes (spec, case state, action, actor facts, form data, now)
to a new `CaseState` and its events, or refuses with a `routes.*` code;
`bpmn` exports any route as BPMN 2.0 with its diagram. Pure modules: no
session, no I/O. Imports `yiwang.metadata` and `yiwang.platform`; storage,
deadlines and notifications (the `cases` room) call it.
"""

from yiwang.runtime.routes import messages as _messages  # noqa: F401  (registers this room's messages)
