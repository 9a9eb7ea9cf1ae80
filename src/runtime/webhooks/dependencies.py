"""What webhook handlers may ask for: the service in the request's unit of work."""

from __future__ import annotations

from litestar.di import Provide

from yiwang.platform.settings import Settings
from yiwang.platform.unit_of_work import UnitOfWork
from yiwang.policy.identity.crypto import FieldCipher
from yiwang.runtime.webhooks.service import WebhookService
from yiwang.tenants.directory import TenantDirectory


def dependencies(
    settings: Settings, directory: TenantDirectory, cipher: FieldCipher
) -> dict[str, Provide]:
    production = settings.production

    async def webhooks(uow: UnitOfWork) -> WebhookService:
        return WebhookService(uow, directory.tree, cipher, production=production)

    return {"webhooks": Provide(webhooks)}
