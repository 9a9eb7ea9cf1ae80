"""`apply`: the checks every action passes (submitted, same route version, same
tenant, allowed in this status), then the action's handler on a `Run`."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, Final

from yiwang.platform.errors import Conflict, InvalidInput, PermissionDenied
from yiwang.platform.i18n import translate
from yiwang.runtime.routes.actions import (
    Accept,
    Action,
    Actor,
    Approve,
    Change,
    Complete,
    Decide,
    Delegate,
    NotAccept,
    Reject,
    RequestSupplement,
    Resubmit,
    Return,
    Revoke,
    Submit,
    Transfer,
    Withdraw,
    action_name,
)
from yiwang.runtime.routes.engine import acceptance, applicant, decision, handover, voting
from yiwang.runtime.routes.engine.allowed import ALLOWED
from yiwang.runtime.routes.engine.run import Run
from yiwang.runtime.routes.events import Transition
from yiwang.runtime.routes.spec import RouteSpec
from yiwang.runtime.routes.state import CaseState


def apply(
    spec: RouteSpec,
    state: CaseState | None,
    action: Action,
    actor: Actor,
    form: Mapping[str, Any],
    now: datetime,
) -> Transition:
    """The transition `action` by `actor` makes, or a refusal with a stable code.

    `state` is None only for `Submit`. `form` is the case's current form data
    (conditions of steps the case reaches are evaluated on it); `actor` holds
    the roles and department the caller has at the case's tenant.
    """
    if isinstance(action, Submit):
        if state is not None:
            raise Conflict("routes.already_submitted")
        return applicant.submit(spec, action, actor, form, now)
    if state is None:
        raise InvalidInput("routes.not_submitted")
    if state.route.version != spec.version:
        raise Conflict("routes.route_version_mismatch", case=state.route.version[:12])
    if actor.tenant != state.tenant:
        raise PermissionDenied("routes.wrong_tenant")
    name = action_name(action)
    if name not in ALLOWED[state.status]:
        raise Conflict(
            "routes.action_not_allowed",
            action=translate(f"routes.action.{name}"),
            status=translate(f"routes.status.{state.status}"),
        )
    run = Run(spec, state, actor, form, now)
    _HANDLERS[type(action)](run, action)
    return run.finish()


_HANDLERS: Final[dict[type[Any], Callable[[Run, Any], None]]] = {
    Accept: acceptance.accept,
    NotAccept: acceptance.not_accept,
    RequestSupplement: acceptance.request_supplement,
    Resubmit: applicant.resubmit,
    Approve: voting.approve,
    Reject: voting.reject,
    Return: handover.return_,
    Transfer: handover.transfer,
    Delegate: handover.delegate,
    Withdraw: applicant.withdraw,
    Decide: decision.decide,
    Complete: decision.complete,
    Revoke: decision.revoke,
    Change: decision.change,
}
