"""What each status lets anyone try; the handler then checks the step and the actor.

Once decided, a case changes only by 办结 (`complete`), 撤销 and 变更; a
closed case (not accepted, withdrawn, revoked) takes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from yiwang.runtime.routes.actions import ActionName
from yiwang.runtime.routes.state import Status

#: what each state lets anyone try; the handler then checks the step and the actor
ALLOWED: Final[Mapping[Status, frozenset[ActionName]]] = {
    "submitted": frozenset(
        {
            "accept",
            "not_accept",
            "request_supplement",
            "approve",
            "reject",
            "return",
            "transfer",
            "delegate",
            "withdraw",
        }
    ),
    "in_review": frozenset(
        {"approve", "reject", "return", "transfer", "delegate", "decide", "withdraw"}
    ),
    "supplement_requested": frozenset({"resubmit", "withdraw"}),
    "decided": frozenset({"complete", "transfer", "delegate", "revoke"}),
    "completed": frozenset({"revoke", "change"}),
    "not_accepted": frozenset(),
    "withdrawn": frozenset(),
    "revoked": frozenset(),
}
