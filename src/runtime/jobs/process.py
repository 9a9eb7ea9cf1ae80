"""A worker process's services: what `yiwang worker` and `yiwang jobs run` start.

The same parts the web server builds for its jobs (`dependencies.build_background`),
without the web server: the database, Redis, the tenant directory and the
metadata models a definition may read, and the object store.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from functools import partial

from yiwang.metadata.dependencies import build_metadata
from yiwang.metadata.versions.install import completes_onboarding
from yiwang.platform.cache import Cache
from yiwang.platform.database import create_engine, session_factory
from yiwang.platform.settings import Settings
from yiwang.platform.storage import S3Storage, build_storage
from yiwang.policy.catalogue import load_catalogue
from yiwang.runtime.attachments.settings import AttachmentSettings
from yiwang.runtime.cases.notifications import development_gateways
from yiwang.runtime.dependencies import (
    build_publish_checks,
    build_seal,
    list_services,
    record_services,
)
from yiwang.runtime.jobs.dependencies import Background, build_background
from yiwang.runtime.jobs.settings import JobSettings
from yiwang.runtime.webhooks.delivery import Deliverer
from yiwang.tenants.dependencies import TenantServices
from yiwang.tenants.directory import TenantDirectory


@asynccontextmanager
async def worker_process(
    settings: Settings, job_settings: JobSettings
) -> AsyncIterator[Background]:
    engine = create_engine(settings.database_url, pool_size=min(settings.database_pool_size, 5))
    sessions = session_factory(engine)
    cache = Cache(settings.redis_url)
    directory = TenantDirectory(sessions, cache)
    metadata = build_metadata(cache, directory, load_catalogue(settings.templates_root))
    storage = build_storage(settings)
    seal = build_seal(settings)
    steps = (
        completes_onboarding(
            metadata.models, settings.templates_root, build_publish_checks(settings, seal)
        ),
    )
    tenants = TenantServices(directory, settings.templates_root, onboarding_steps=steps)
    background = build_background(
        job_settings,
        AttachmentSettings.from_env(settings),
        sessions=sessions,
        directory=directory,
        storage=storage,
        metadata=metadata,
        lists=list_services(directory, metadata.models, seal),
        records=record_services(directory, metadata.models, seal),
        # the SMS and email gateways (development: files under var/; refused in production)
        gateways=partial(development_gateways, settings.var_dir, production=settings.production),
        webhooks=Deliverer(seal.cipher, settings.production),
        onboarding=tenants.onboarding,
        export_retention=settings.export_retention,
        import_retention=settings.import_retention,
        import_abandoned=settings.import_abandoned,
    )
    if isinstance(storage, S3Storage):
        with suppress(Exception):  # a store that is down fails the jobs that need it, later
            await storage.ensure_bucket()
    await directory.start()
    await metadata.models.start()
    try:
        yield background
    finally:
        await background.queue.close()
        await metadata.models.stop()
        await directory.stop()
        await cache.close()
        await engine.dispose()
