"""What a subscriber receives for one outbox row. Pure.

`{id, kind, case_number, occurred_at, tenant, data}`: `id` is the outbox row's
(the same for every subscriber; the delivery id header is per subscriber),
`data` the row's payload without what the cases room keeps for the
applicant's notices (their phone and email) or puts in the envelope already:
for `case.*` rows the engine's event, for `deadline.*` rows the colour and the
due day.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Final

#: payload keys never sent: the envelope has them, or they are the applicant's contact
LEFT_OUT: Final = frozenset({"number", "tenant", "phone", "email"})


def message_for(
    outbox_id: int, kind: str, payload: Mapping[str, Any], occurred_at: datetime, tenant: str
) -> dict[str, Any]:
    return {
        "id": outbox_id,
        "kind": kind,
        "case_number": payload.get("number"),
        "occurred_at": occurred_at.isoformat(),
        "tenant": tenant,
        "data": {k: v for k, v in payload.items() if k not in LEFT_OUT},
    }
