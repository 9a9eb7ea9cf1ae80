"""A citizen's application: the record, then its case, in the caller's one unit of work.

The case is opened from the record and its service item: the business form
and its route (`business_route`), the implementing department, the
implementing code (实施编码, which starts the case number) and the issuer
(实施主体 `dept_name` and its credit code `dept_code`). The idempotent answer
is the record with its case, so a retried submission returns both as first
given; it is stored by the case's own statement (`PendingAnswer`), one round
trip fewer than storing it after. The case's statement ends the unit: it goes
with the audit append and COMMIT in one round trip (`CasesService.open`'s
`closing`), so the day's counter row it locks waits on no worker. A refusal by
either room raises and the unit of work rolls back: no record without its case.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

from yiwang.platform.unit_of_work import UnitOfWork
from yiwang.policy.guards import Access
from yiwang.runtime.applications.errors import RouteMissing
from yiwang.runtime.cases.schemas import Application, PendingAnswer
from yiwang.runtime.cases.service import CasesService
from yiwang.runtime.records.service import Created, RecordService, ServiceItem
from yiwang.runtime.routes.actions import Actor

#: the service item's field naming its business form's route
ROUTE_FIELD: Final = "business_route"


def application_of(item: ServiceItem, record_id: int, form: Any) -> Application:
    """The cases room's `Application` for the record `record_id` of service item `item`."""
    values = item.values
    route = values.get(ROUTE_FIELD)
    if not isinstance(route, str):
        raise RouteMissing(
            "applications.route_missing", name=str(values.get("task_name") or item.id)
        )

    def text(key: str) -> str | None:
        value = values.get(key)
        return value if isinstance(value, str) and value else None

    form_key = item.business_form
    assert form_key is not None  # an admitted service item names its business form
    return Application(
        service_item=str(item.id),
        form=form_key,
        route=route,
        data=dict(form) if isinstance(form, dict) else {},
        record_id=record_id,
        implementing_department=item.department,
        implementing_code=text("task_code"),
        issuer_name=text("dept_name"),
        issuer_code=text("dept_code"),
    )


@dataclass
class Applications:
    uow: UnitOfWork
    records: RecordService
    cases: CasesService
    #: the cases room's facts about a caller the guard admitted (`CasesServices.actor`)
    actors: Callable[[Access], Actor] | None = None

    def actor_for(self, access: Access) -> Actor:
        """How the cases room names the caller `access` admitted."""
        if self.actors is None:
            raise RuntimeError("these applications were built without the cases room's actors")
        return self.actors(access)

    async def submit(
        self,
        service_item_id: int,
        data: Any,
        *,
        form: Any,
        channel: str,
        online: bool,
        idempotency_key: str | None,
        actor: Actor,
    ) -> Created:
        """Store the application and open its case; the answer carries the case."""
        applied = await self.records.apply_for(
            service_item_id,
            data,
            form=form,
            channel=channel,
            idempotency_key=idempotency_key,
            online=online,
            remember=False,
        )
        created = applied.created
        if applied.item is None:  # the first answer, case included
            return created
        application = application_of(applied.item, created.id, form)
        pending = None
        if idempotency_key is not None:  # stored by the case's statement, number filled in
            pending = PendingAnswer(
                self.uow.owner, idempotency_key, created.id, created.status_code, created.body
            )
        # the case is the unit's last statement: sent with its audit append and COMMIT
        opened = await self.cases.open(
            created.body["tenant"],
            application,
            actor,
            answer=pending,
            model=applied.model,
            closing=True,
        )
        return Created({**created.body, **opened.answer()}, created.status_code)
