"""Webhook subscribers of one tenant: create (the secret shown once), list, disable,
rotate the secret. Every change is audited in the request's transaction.

Takes the request's unit of work, in the scope the guard decided (the tenant
of the route). The URL is checked against server-side request forgery
(`addresses`) with the deployment's rules: production takes only https to
public addresses.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from yiwang.platform.unit_of_work import UnitOfWork
from yiwang.policy.identity.crypto import FieldCipher
from yiwang.runtime.webhooks.addresses import check_url
from yiwang.runtime.webhooks.errors import WebhookDisabled, WebhookNotFound
from yiwang.runtime.webhooks.kinds import normalise_kinds
from yiwang.runtime.webhooks.models import Subscriber
from yiwang.runtime.webhooks.repository import WebhookRepository
from yiwang.runtime.webhooks.sealing import seal
from yiwang.runtime.webhooks.signing import new_secret
from yiwang.tenants.tree import TenantTree

Clock = Callable[[], datetime]


def _now() -> datetime:
    return datetime.now(UTC)


def subscriber_view(s: Subscriber) -> dict[str, Any]:
    """A subscriber as the API lists it: never its secret."""
    return {
        "id": str(s.id),
        "url": s.url,
        "kinds": list(s.kinds),
        "active": s.active,
        "created_by": s.created_by,
        "created_at": s.created_at.isoformat(),
        "secret_rotated_at": s.secret_rotated_at.isoformat() if s.secret_rotated_at else None,
        "disabled_at": s.disabled_at.isoformat() if s.disabled_at else None,
        "disabled_by": s.disabled_by,
    }


class WebhookService:
    def __init__(
        self,
        uow: UnitOfWork,
        tree: TenantTree,
        cipher: FieldCipher,
        *,
        production: bool,
        clock: Clock = _now,
    ) -> None:
        self.uow = uow
        self.tree = tree
        self.cipher = cipher
        self.production = production
        self.clock = clock
        self.repo = WebhookRepository(uow.session)

    async def create(self, code: str, url: str, kinds: Sequence[str]) -> dict[str, Any]:
        """A new active subscriber; the answer holds its secret, which is never shown again."""
        tenant = self.tree.node(code)
        patterns = normalise_kinds(kinds)
        checked = await check_url(url, production=self.production)
        subscriber_id = uuid.uuid4()
        secret = new_secret()
        now = self.clock()
        values = {
            "tenant_id": tenant.id,
            "id": subscriber_id,
            "url": checked,
            "kinds": patterns,
            "active": True,
            "secret_sealed": seal(self.cipher, tenant.id, subscriber_id, secret),
            "created_by": self.uow.actor,
            "created_at": now,
        }
        await self.repo.add(values)
        await self.uow.audit(
            action="webhook.create",
            object_type="webhook",
            object_id=str(subscriber_id),
            tenant_id=tenant.id,
            detail={"url": checked, "kinds": patterns},
        )
        return {
            "id": str(subscriber_id),
            "url": checked,
            "kinds": patterns,
            "active": True,
            "created_by": self.uow.actor,
            "created_at": now.isoformat(),
            "secret": secret,
        }

    async def list(self, code: str) -> list[dict[str, Any]]:
        tenant = self.tree.node(code)
        return [subscriber_view(s) for s in await self.repo.subscribers(tenant.id)]

    async def disable(self, code: str, subscriber_id: uuid.UUID) -> dict[str, Any]:
        """Stop sending to a subscriber: nothing more is fanned out to it or sent, its
        undelivered rows stay as they are. Disabling twice changes nothing more."""
        tenant = self.tree.node(code)
        found = await self._subscriber(tenant.id, subscriber_id)
        if found.active:
            now = self.clock()
            await self.repo.change(
                tenant.id, subscriber_id, active=False, disabled_at=now, disabled_by=self.uow.actor
            )
            await self.uow.audit(
                action="webhook.disable",
                object_type="webhook",
                object_id=str(subscriber_id),
                tenant_id=tenant.id,
                detail={"url": found.url},
            )
        return {"id": str(subscriber_id), "active": False}

    async def rotate(self, code: str, subscriber_id: uuid.UUID) -> dict[str, Any]:
        """A new secret, shown once; deliveries from now on are signed with it alone."""
        tenant = self.tree.node(code)
        found = await self._subscriber(tenant.id, subscriber_id)
        if not found.active:
            raise WebhookDisabled("webhooks.disabled", id=str(subscriber_id))
        secret = new_secret()
        now = self.clock()
        await self.repo.change(
            tenant.id,
            subscriber_id,
            secret_sealed=seal(self.cipher, tenant.id, subscriber_id, secret),
            secret_rotated_at=now,
        )
        await self.uow.audit(
            action="webhook.rotate_secret",
            object_type="webhook",
            object_id=str(subscriber_id),
            tenant_id=tenant.id,
            detail={},
        )
        return {"id": str(subscriber_id), "secret": secret, "secret_rotated_at": now.isoformat()}

    async def _subscriber(self, tenant_id: int, subscriber_id: uuid.UUID) -> Subscriber:
        found = await self.repo.subscriber(tenant_id, subscriber_id)
        if found is None:
            raise WebhookNotFound("webhooks.not_found", id=str(subscriber_id))
        return found
