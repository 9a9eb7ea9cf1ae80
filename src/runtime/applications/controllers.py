"""Applying for a service item over the API: the record and its case in one unit of work.

    POST /api/v1/t/{code}/services/{id}/applications   (Idempotency-Key required)

The route fixes the service item, its business form and the channel; the
answer is the application record with `case: {number, status, version}`.
"""

from __future__ import annotations

from typing import Any, Final

from litestar import Controller, Request, Response, post

from yiwang.platform.edge.openapi import precondition_required
from yiwang.policy.guards import provide_access
from yiwang.runtime.applications.service import Applications
from yiwang.runtime.records.controllers import created_response, idempotency_key, read_body

#: a citizen's application is a case: citizens hold `case:write`, not `record:write`
APPLY: Final = {"object": "case", "action": "write"}
#: account kinds that apply online; staff apply at the window for someone
ONLINE_KINDS: Final = ("citizen", "legal")


class ApplicationController(Controller):
    """Applying for a service item: the route fixes the item, its business form and channel."""

    path = "/api/v1/t/{code:str}/services/{service_item_id:int}/applications"
    tags = ["applications"]  # noqa: RUF012  (Litestar declares it as an instance attribute)

    @post("/", opt=APPLY, responses=precondition_required("Idempotency-Key"))
    async def apply(
        self,
        applications: Applications,
        request: Request[Any, Any, Any],
        service_item_id: int,
    ) -> Response[dict[str, Any]]:
        """`{"data": {applicant, contact, delivery...}, "form": {the business form}}`.

        The guard's decision and the caller's actor are read here, not injected: asked as
        dependencies beside the unit of work they would be resolved in a task group."""
        access = provide_access(request)
        case_actor = applications.actor_for(access)
        key = idempotency_key(request)
        body = await read_body(request)
        online = access.principal.kind in ONLINE_KINDS
        created = await applications.submit(
            service_item_id,
            body.get("data"),
            form=body.get("form"),
            channel="online" if online else "window",
            online=online,
            idempotency_key=key,
            actor=case_actor,
        )
        return created_response(created)


CONTROLLERS = (ApplicationController,)
