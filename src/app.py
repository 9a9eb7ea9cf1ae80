"""Composition root: `create_app()` wires every part in one readable place.

Each context builds its own services (`build_*`) and says which of them
handlers may ask for by type (`dependencies`); this module only connects them,
in the one direction the layers allow.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from functools import partial
from importlib import resources
from pathlib import Path

from litestar import Litestar
from litestar.contrib.jinja import JinjaTemplateEngine
from litestar.di import Provide
from litestar.openapi import OpenAPIConfig
from litestar.template.config import TemplateConfig
from litestar.types import ControllerRouterHandler
from litestar_saq import SAQPlugin
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from yiwang import __version__
from yiwang.metadata import dependencies as metadata_di
from yiwang.metadata.controllers import CONTROLLERS as METADATA_CONTROLLERS
from yiwang.metadata.versions.install import completes_onboarding
from yiwang.platform import dependencies as kernel_di
from yiwang.platform.audit.plugin import AuditPlugin
from yiwang.platform.cache import Cache
from yiwang.platform.database import create_engine, session_factory
from yiwang.platform.edge.plugin import EdgePlugin, install_edge
from yiwang.platform.error_handlers import ERROR_PAGE_STATE, EXCEPTION_HANDLERS
from yiwang.platform.health import healthz, readyz
from yiwang.platform.logging import configure_logging
from yiwang.platform.settings import Settings
from yiwang.platform.storage import ObjectStorage, S3Storage, build_storage
from yiwang.policy import dependencies as policy_di
from yiwang.policy.controllers import CatalogueController, PolicyController
from yiwang.policy.denials import DenialLog
from yiwang.policy.guards import PolicyHook, unit_of_work_provider
from yiwang.policy.identity import dependencies as identity_di
from yiwang.policy.identity.agents.controllers import AgentController
from yiwang.policy.identity.controllers import AuthController
from yiwang.policy.identity.passwords import PasswordHashing
from yiwang.runtime import dependencies as runtime_di
from yiwang.runtime.applications import dependencies as applications_di
from yiwang.runtime.applications.controllers import CONTROLLERS as APPLICATION_CONTROLLERS
from yiwang.runtime.applications.pages import ROUTES as APPLICATION_PAGES
from yiwang.runtime.attachments import dependencies as attachments_di
from yiwang.runtime.attachments.controllers import ROUTES as ATTACHMENT_ROUTES
from yiwang.runtime.attachments.references import References
from yiwang.runtime.attachments.scanning import Scanner
from yiwang.runtime.attachments.settings import AttachmentSettings
from yiwang.runtime.cases import dependencies as cases_di
from yiwang.runtime.cases.controllers import CONTROLLERS as CASE_CONTROLLERS
from yiwang.runtime.cases.notifications import development_gateways
from yiwang.runtime.cases.pages import ROUTES as CASE_PAGES
from yiwang.runtime.certificates.authority import CertificateAuthority
from yiwang.runtime.certificates.settings import CertificateSettings
from yiwang.runtime.console import dependencies as console_di
from yiwang.runtime.console import handling as console_handling
from yiwang.runtime.console import inbox as console_inbox
from yiwang.runtime.console import previews as console_previews
from yiwang.runtime.console import signin as console_signin
from yiwang.runtime.console.admin import pages as console_admin
from yiwang.runtime.console.lists import router as console_lists
from yiwang.runtime.console.staff import ConsoleParts
from yiwang.runtime.forms import pages as form_pages
from yiwang.runtime.forms.controllers import FormOptionsController
from yiwang.runtime.jobs import dependencies as jobs_di
from yiwang.runtime.jobs.controllers import ROUTES as JOB_ROUTES
from yiwang.runtime.jobs.queue import JobQueue
from yiwang.runtime.jobs.settings import JobSettings
from yiwang.runtime.model_editor import pages as model_editor
from yiwang.runtime.portal import agents, licences, list_export, my_cases, realname, signin
from yiwang.runtime.portal import dependencies as portal_di
from yiwang.runtime.portal import pages as portal
from yiwang.runtime.portal.shell import error_shell
from yiwang.runtime.records.controllers import CONTROLLERS as RECORD_CONTROLLERS
from yiwang.runtime.static.api_reference import ApiReference
from yiwang.runtime.static.files import static_routers
from yiwang.runtime.supervision import dependencies as supervision_di
from yiwang.runtime.supervision.controllers import CONTROLLERS as SUPERVISION_CONTROLLERS
from yiwang.runtime.supervision.dashboard.exports import ROUTES as DASHBOARD_EXPORTS
from yiwang.runtime.supervision.dashboard.pages import ROUTES as DASHBOARD_PAGES
from yiwang.runtime.supervision.dashboard.pages import TEMPLATES as DASHBOARD_TEMPLATES
from yiwang.runtime.supervision.feedback_controllers import CONTROLLERS as FEEDBACK_CONTROLLERS
from yiwang.runtime.web.environment import page_environment
from yiwang.runtime.web.error_pages import ErrorPages
from yiwang.runtime.webhooks import dependencies as webhooks_di
from yiwang.runtime.webhooks.controllers import CONTROLLERS as WEBHOOK_CONTROLLERS
from yiwang.runtime.webhooks.delivery import Deliverer
from yiwang.tenants import dependencies as tenants_di
from yiwang.tenants.controllers import TenantController
from yiwang.tenants.directory import TenantDirectory
from yiwang.tenants.subsite import SubsiteResolver

ROUTES: Sequence[ControllerRouterHandler] = (
    healthz,
    readyz,
    *portal.ROUTES,
    *list_export.ROUTES,
    *realname.ROUTES,
    *agents.ROUTES,
    *signin.ROUTES,
    *my_cases.ROUTES,
    *licences.ROUTES,
    form_pages.form_page,
    form_pages.submit_form_page,
    FormOptionsController,
    TenantController,
    AuthController,
    AgentController,
    CatalogueController,
    PolicyController,
    *METADATA_CONTROLLERS,
    *ATTACHMENT_ROUTES,
    *JOB_ROUTES,
    *RECORD_CONTROLLERS,
    *CASE_CONTROLLERS,
    *CASE_PAGES,
    *APPLICATION_CONTROLLERS,
    *SUPERVISION_CONTROLLERS,
    *DASHBOARD_PAGES,
    *DASHBOARD_EXPORTS,
    *FEEDBACK_CONTROLLERS,
    *WEBHOOK_CONTROLLERS,
    *APPLICATION_PAGES,
    *console_signin.ROUTES,
    *console_inbox.ROUTES,
    *console_handling.ROUTES,
    *console_previews.ROUTES,
    *model_editor.ROUTES,
    *console_lists.ROUTES,
    *console_admin.ROUTES,
    *static_routers(),
)


def page_templates() -> Path:
    """The portal's Jinja templates, from the installed package."""
    return Path(str(resources.files("yiwang.runtime.portal") / "templates"))


def console_templates() -> Path:
    """The console's Jinja templates (under `console/`), from the installed package."""
    return Path(str(resources.files("yiwang.runtime.console") / "templates"))


@dataclass(frozen=True)
class Platform:
    """Every part of one process, wired once: what `create_app` serves."""

    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    cache: Cache
    storage: ObjectStorage
    directory: TenantDirectory
    tenants: tenants_di.TenantServices
    policy: policy_di.PolicyServices
    identity: identity_di.IdentityServices
    metadata: metadata_di.MetadataServices
    attachments: attachments_di.AttachmentServices
    jobs: JobQueue
    #: litestar-saq, which owns the SAQ queue (None when jobs run inline)
    saq: SAQPlugin | None
    runtime: runtime_di.RuntimeServices
    cases: cases_di.CasesServices
    #: the guard's refusals of signed-in people, counted and audited once per minute
    denials: DenialLog

    def dependencies(self) -> dict[str, Provide]:
        return {
            # The guard decides the tenant scope; the unit of work applies it, so RLS agrees.
            "uow": Provide(unit_of_work_provider(self.sessions)),
            **kernel_di.dependencies(self.settings, self.engine, self.cache, self.storage),
            **tenants_di.dependencies(self.tenants),
            **identity_di.dependencies(self.identity),
            **policy_di.dependencies(self.policy, self.identity, self.directory),
            **metadata_di.dependencies(self.metadata),
            **attachments_di.dependencies(self.attachments),
            **jobs_di.dependencies(self.jobs),
            **runtime_di.dependencies(self.runtime, self.identity),
            **cases_di.dependencies(self.cases),
            **applications_di.dependencies(self.runtime, self.cases),
            **supervision_di.dependencies(self.directory),
            **portal_di.dependencies(
                portal_di.CitizenSite(
                    self.runtime, self.cases, self.metadata, self.attachments, self.identity
                )
            ),
            **webhooks_di.dependencies(self.settings, self.directory, self.runtime.seal.cipher),
            **console_di.dependencies(
                ConsoleParts(self.directory, self.identity, self.policy.sync, self.policy.catalogue)
            ),
        }

    @asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        """Start what follows other workers (directory, policy, models); stop it all after.
        The web server's lifespan and `yiwang worker` both run inside it."""
        if isinstance(self.storage, S3Storage):
            # When S3 is down, readiness reports it; the rest of the platform still serves.
            with suppress(Exception):
                await self.storage.ensure_bucket()
        await self.directory.start()
        await self.policy.sync.start()
        await self.metadata.models.start()
        try:
            yield
        finally:
            await self.denials.close()
            await self.jobs.close()
            await self.runtime.stop()
            await self.metadata.models.stop()
            await self.policy.sync.stop()
            await self.directory.stop()
            await self.cache.close()
            await self.engine.dispose()

    @asynccontextmanager
    async def lifespan(self, app: Litestar) -> AsyncIterator[None]:
        async with self.running():
            yield


def build_platform(
    settings: Settings,
    *,
    hashing: PasswordHashing | None = None,
    policy_poll_seconds: float = 1.0,
    job_settings: JobSettings | None = None,
    attachment_settings: AttachmentSettings | None = None,
    scanner: Scanner | None = None,
) -> Platform:
    """Build every part in the one order the layers allow."""
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
    directory = TenantDirectory(sessions, cache)
    policy = policy_di.build_policy(settings, sessions, cache, poll_seconds=policy_poll_seconds)
    identity = identity_di.build_identity(
        settings, cache, sessions, is_admin=policy.is_admin, hashing=hashing
    )
    checks = runtime_di.build_publish_checks(settings)
    metadata = metadata_di.build_metadata(cache, directory, policy.catalogue, checks)
    tenants = tenants_di.TenantServices(
        directory,
        settings.templates_root,
        onboarding_steps=(completes_onboarding(metadata.models, settings.templates_root, checks),),
    )
    storage = build_storage(settings)
    background = jobs_di.build_background(
        job_settings or JobSettings.from_env(settings),
        attachment_settings or AttachmentSettings.from_env(settings),
        sessions=sessions,
        directory=directory,
        storage=storage,
        metadata=metadata,
        scanner=scanner,
        lists=runtime_di.list_services(directory, metadata.models, checks.seal),
        records=runtime_di.record_services(directory, metadata.models, checks.seal),
        # the SMS and email gateways (development: files under var/; refused in production)
        gateways=partial(development_gateways, settings.var_dir, production=settings.production),
        webhooks=Deliverer(checks.seal.cipher, settings.production),
        onboarding=tenants.onboarding,
        export_retention=settings.export_retention,
        import_retention=settings.import_retention,
        import_abandoned=settings.import_abandoned,
    )
    cases = cases_di.CasesServices(
        models=metadata.models,
        directory=directory,
        holder=policy.sync,
        storage=storage,
        # refuses production without a signing key and a public verification address
        authority=CertificateAuthority.from_settings(CertificateSettings.from_env(settings)),
        attachments=References,
    )
    return Platform(
        settings=settings,
        engine=engine,
        sessions=sessions,
        cache=cache,
        storage=storage,
        directory=directory,
        tenants=tenants,
        policy=policy,
        identity=identity,
        metadata=metadata,
        attachments=background.attachments,
        jobs=background.queue,
        saq=background.plugin,
        runtime=runtime_di.build_runtime(directory, metadata.models, policy, checks),
        cases=cases,
        denials=DenialLog(sessions, cache),
    )


def create_app(
    settings: Settings | None = None,
    *,
    platform: Platform | None = None,
    routes: Sequence[ControllerRouterHandler] = ROUTES,
) -> Litestar:
    settings = settings or (platform.settings if platform else Settings.from_env())
    configure_logging(json=settings.log_json, level=settings.log_level)
    platform = platform or build_platform(settings)
    environment = page_environment(
        [
            page_templates(),
            console_templates(),
            model_editor.TEMPLATES,
            console_lists.TEMPLATES,
            console_admin.TEMPLATES,
            DASHBOARD_TEMPLATES,
        ]
    )
    error_pages = ErrorPages(environment, error_shell(platform.directory))
    guard = platform.policy.guard(platform.identity, platform.directory, platform.denials)
    app = Litestar(
        route_handlers=list(routes),
        dependencies=platform.dependencies(),
        plugins=[
            # the edge's request checks, then the policy guard, before every handler
            EdgePlugin(settings, then=PolicyHook(guard)),
            AuditPlugin(settings, platform.sessions, platform.storage),
            *([platform.saq] if platform.saq is not None else []),
        ],
        exception_handlers=EXCEPTION_HANDLERS,
        lifespan=[platform.lifespan],
        template_config=TemplateConfig(instance=JinjaTemplateEngine.from_environment(environment)),
        openapi_config=OpenAPIConfig(
            title="一网 Yiwang API",
            version=__version__,
            path="/schema",
            render_plugins=[ApiReference()],
        ),
        debug=False,
    )
    _declare_api_description_public(app)
    app.state[ERROR_PAGE_STATE] = error_pages.render
    app.asgi_handler = SubsiteResolver(
        app.asgi_handler, platform.directory, settings.base_domain, error_page=error_pages.render
    )
    install_edge(app, settings)
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
