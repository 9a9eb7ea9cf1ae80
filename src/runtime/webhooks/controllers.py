"""Webhooks API: the receiving systems of a tenant's case events.

    GET  /api/v1/t/{code}/webhooks                      the subscribers (never a secret)
    POST /api/v1/t/{code}/webhooks                      a new one; its secret, shown once
    POST /api/v1/t/{code}/webhooks/{id}/disable         stop sending to it
    POST /api/v1/t/{code}/webhooks/{id}/secret          a new secret, shown once

Listing needs `webhook:read`, changes `webhook:write` (the system administrator's;
see the role catalogue).
"""

from __future__ import annotations

import uuid
from typing import Any, Final

from litestar import Controller, get, post

from yiwang.runtime.webhooks.schemas import SubscriberRequest
from yiwang.runtime.webhooks.service import WebhookService

READ: Final = {"object": "webhook", "action": "read"}
WRITE: Final = {"object": "webhook", "action": "write"}


class WebhookController(Controller):
    path = "/api/v1/t/{code:str}/webhooks"
    tags = ["webhooks"]  # noqa: RUF012

    @get("/", opt=READ)
    async def list_subscribers(self, webhooks: WebhookService, code: str) -> list[dict[str, Any]]:
        return await webhooks.list(code)

    @post("/", opt=WRITE)
    async def create(
        self, webhooks: WebhookService, code: str, data: SubscriberRequest
    ) -> dict[str, Any]:
        """Subscribe a URL to event kinds; the answer's `secret` signs every delivery and is
        not shown again (rotate it to get a new one)."""
        return await webhooks.create(code, data.url, data.kinds)

    @post("/{subscriber_id:uuid}/disable", opt=WRITE, status_code=200)
    async def disable(
        self, webhooks: WebhookService, code: str, subscriber_id: uuid.UUID
    ) -> dict[str, Any]:
        return await webhooks.disable(code, subscriber_id)

    @post("/{subscriber_id:uuid}/secret", opt=WRITE, status_code=200)
    async def rotate_secret(
        self, webhooks: WebhookService, code: str, subscriber_id: uuid.UUID
    ) -> dict[str, Any]:
        """A new signing secret, shown once; the old one signs nothing from now on."""
        return await webhooks.rotate(code, subscriber_id)


CONTROLLERS = (WebhookController,)
