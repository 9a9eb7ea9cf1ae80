"""Composition root: `create_app()` wires every part in one readable place."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager, suppress
from typing import Any

from litestar import Litestar
from litestar.contrib.jinja import JinjaTemplateEngine
from litestar.datastructures import State
from litestar.di import Provide
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import ScalarRenderPlugin
from litestar.template.config import TemplateConfig
from litestar.types import ControllerRouterHandler

from yiwang import __version__
from yiwang.metadata.controllers import CONTROLLERS as METADATA_CONTROLLERS
from yiwang.metadata.controllers import STATE_KEY as METADATA_STATE_KEY
from yiwang.metadata.versions.model_cache import ModelCache
from yiwang.platform.cache import Cache
from yiwang.platform.database import create_engine, session_factory
from yiwang.platform.error_handlers import EXCEPTION_HANDLERS
from yiwang.platform.health import healthz, readyz
from yiwang.platform.logging import configure_logging
from yiwang.platform.settings import PROJECT_ROOT, Settings
from yiwang.platform.storage import LocalStorage, ObjectStorage, S3Storage
from yiwang.policy.guards import provide_scoped_db_session
from yiwang.policy.plugin import PolicyPlugin, build_services
from yiwang.runtime.portal import pages as portal
from yiwang.tenants.controllers import TenantController
from yiwang.tenants.directory import TenantDirectory
from yiwang.tenants.subsite import SubsiteResolver

ROUTES: Sequence[ControllerRouterHandler] = (
    healthz,
    readyz,
    portal.platform_home,
    portal.subsite_home,
    TenantController,
    *METADATA_CONTROLLERS,
)


def build_storage(settings: Settings) -> ObjectStorage:
    if settings.storage_backend == "s3":
        return S3Storage(
            settings.s3_bucket,
            endpoint_url=settings.s3_endpoint_url,
            region=settings.s3_region,
            access_key_id=settings.s3_access_key_id,
            secret_access_key=settings.s3_secret_access_key,
        )
    return LocalStorage(settings.storage_local_root)


def create_app(settings: Settings | None = None) -> Litestar:
    settings = settings or Settings.from_env()
    configure_logging(json=settings.log_json, level=settings.log_level)
    engine = create_engine(
        settings.database_url,
        pool_size=settings.pool_size,
        max_overflow=settings.database_max_overflow,
        pool_recycle=settings.database_pool_recycle,
        pool_timeout=settings.database_pool_timeout,
        strict_context=settings.strict_tenant_context,
    )
    sessions = session_factory(engine)
    cache = Cache(settings.redis_url)
    storage = build_storage(settings)
    directory = TenantDirectory(sessions, cache)
    policy = build_services(settings, sessions, cache)
    models = ModelCache(cache)

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        if isinstance(storage, S3Storage):
            # When S3 is down, readiness reports it; the rest of the platform still serves.
            with suppress(Exception):
                await storage.ensure_bucket()
        await directory.load()
        await models.start()
        try:
            yield
        finally:
            await models.stop()
            await cache.close()
            await engine.dispose()

    state: dict[str, Any] = {
        "settings": settings,
        "engine": engine,
        "sessions": sessions,
        "cache": cache,
        "storage": storage,
        "directory": directory,
        METADATA_STATE_KEY: models,
    }
    app = Litestar(
        route_handlers=list(ROUTES),
        state=State(state),
        plugins=[PolicyPlugin(policy)],
        # The guard decides the tenant scope; this session applies it, so RLS agrees.
        dependencies={"db_session": Provide(provide_scoped_db_session)},
        exception_handlers=EXCEPTION_HANDLERS,
        lifespan=[lifespan],
        template_config=TemplateConfig(
            directory=PROJECT_ROOT / "src" / "runtime" / "portal" / "templates",
            engine=JinjaTemplateEngine,
        ),
        openapi_config=OpenAPIConfig(
            title="一网 Yiwang API",
            version=__version__,
            path="/schema",
            render_plugins=[ScalarRenderPlugin()],
        ),
        debug=False,
    )
    _declare_api_description_public(app)
    app.asgi_handler = SubsiteResolver(app.asgi_handler, directory, settings.base_domain)
    return app


def _declare_api_description_public(app: Litestar) -> None:
    """Litestar builds the /schema routes itself; the API description is public."""
    for route in app.routes:
        if route.path == "/schema" or route.path.startswith("/schema/"):
            for handler in route.route_handlers:  # type: ignore[union-attr]
                handler.opt["public"] = True


def asgi() -> Litestar:
    """Factory for uvicorn (`uvicorn --factory yiwang.app:asgi`)."""
    return create_app()
