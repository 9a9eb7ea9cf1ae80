"""The runtime's services, built once per process and injected by type.

Records and lists share the worker's effective models (metadata's
`ModelCache`), the field cipher that seals personal data, and the policy
holder that says who may see personal data in full. Records check the
attachments a write names through the attachments room's `References` (the
records room's port `attached.AttachmentReferences`). A publish reaches the
runtime through `PublishChecks`, which the app hands to metadata (metadata
never imports the runtime).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

from litestar.di import Provide

from yiwang.metadata.resolution.resolve import EffectiveModel
from yiwang.metadata.versions.model_cache import ModelCache
from yiwang.metadata.versions.service import InvalidRecords, MetadataService
from yiwang.platform.settings import Settings
from yiwang.platform.unit_of_work import UnitOfWork
from yiwang.policy.dependencies import PolicyServices
from yiwang.policy.guards import Access
from yiwang.policy.identity.dependencies import IdentityServices
from yiwang.policy.identity.settings import IdentitySettings
from yiwang.runtime.attachments.references import References
from yiwang.runtime.lists.builder import IndexBuilder
from yiwang.runtime.lists.compile import SearchClause
from yiwang.runtime.lists.indexes import wanted
from yiwang.runtime.lists.record_search import records_search
from yiwang.runtime.lists.repository import ListRepository
from yiwang.runtime.lists.service import ListService, PublicPages
from yiwang.runtime.lists.settings import IndexSettings
from yiwang.runtime.portal.page_cache import PortalPage, PortalPages
from yiwang.runtime.portal.service import PortalService
from yiwang.runtime.portal.viewer import PublicSite
from yiwang.runtime.record_sets.versions import RecordSetVersions
from yiwang.runtime.records import impact
from yiwang.runtime.records.privacy import PiiSeal
from yiwang.runtime.records.service import EffectiveIds, RecordService, ServiceItems, Viewer
from yiwang.tenants.directory import TenantDirectory
from yiwang.tenants.tree import TenantNode

#: the permission to see personal data of records in full (`tenant_templates/roles.yaml`)
PII_OBJECT = "record_pii"
PII_ACTION = "read"


class PublishChecks:
    """The runtime's part of a metadata publish: records it would invalidate, and the
    list indexes the new models want (built after commit, or by the owner's command)."""

    def __init__(self, seal: PiiSeal, builder: IndexBuilder | None) -> None:
        self.seal = seal
        self.builder = builder

    async def count_invalid(
        self,
        uow: UnitOfWork,
        tenant: TenantNode,
        before: EffectiveModel | None,
        after: EffectiveModel,
    ) -> InvalidRecords:
        return await impact.count_invalid(uow, self.seal, tenant, before, after)

    async def published(self, uow: UnitOfWork, models: Sequence[EffectiveModel]) -> None:
        added = await ListRepository(uow.session).want_indexes(wanted(models).values())
        if added and self.builder is not None:
            builder = self.builder

            async def build() -> None:
                builder.wake()

            uow.after_commit(build)


def build_seal(settings: Settings) -> PiiSeal:
    return PiiSeal(IdentitySettings.from_env(settings).cipher())


def build_publish_checks(settings: Settings, seal: PiiSeal | None = None) -> PublishChecks:
    indexes = IndexSettings.from_env(settings)
    builder = IndexBuilder(indexes.owner_url) if indexes.build_in_process else None
    return PublishChecks(seal or build_seal(settings), builder)


@dataclass(frozen=True)
class RuntimeServices:
    directory: TenantDirectory
    models: ModelCache
    seal: PiiSeal
    effective_ids: EffectiveIds
    policy: PolicyServices
    checks: PublishChecks
    #: Chinese full-text search (`lists.record_search`; None: `q` is refused)
    search: SearchClause | None = records_search
    #: service items applications were made for, by version (checked by each claim)
    service_items: ServiceItems = field(default_factory=ServiceItems)
    #: the versions of published record sets, and the public list pages kept by them
    record_sets: RecordSetVersions = field(default_factory=lambda: RecordSetVersions(None))
    public_pages: PublicPages | None = None
    #: the subsite pages that read records, rendered once per key (`portal.page_cache`)
    portal_pages: PortalPages | None = None

    def portal(self, uow: UnitOfWork) -> PortalService:
        """A subsite page's reads (public: published data only, no person)."""
        tree = self.directory.tree
        metadata = MetadataService(uow, tree, self.models, self.policy.catalogue)
        return PortalService(uow, tree, self.lists(uow), metadata)

    def records(self, uow: UnitOfWork) -> RecordService:
        return RecordService(
            uow,
            self.directory.tree,
            self.models,
            self.seal,
            self.effective_ids,
            self.service_items,
            self.record_sets,
            attachments=References(uow),
        )

    def lists(self, uow: UnitOfWork) -> ListService:
        return ListService(
            uow, self.directory.tree, self.models, self.seal, self.search, self.public_pages
        )

    def viewer(self, access: Access) -> Viewer:
        """What the guard's decision lets the caller see of records."""
        holder = self.policy.sync.holder
        sees = holder.decide(
            access.principal.subject, access.tenant.path, PII_OBJECT, PII_ACTION
        ).allowed
        return Viewer(
            restricted=access.department_only,
            department=access.principal.department,
            sees_pii=sees,
        )

    async def stop(self) -> None:
        await self.record_sets.stop()
        if self.checks.builder is not None:
            await self.checks.builder.stop()


def list_services(
    directory: TenantDirectory,
    models: ModelCache,
    seal: PiiSeal,
    search: SearchClause | None = records_search,
) -> Callable[[UnitOfWork], ListService]:
    """List views in a given unit of work, for a process without the web's services
    (a job worker exporting a view)."""

    def lists(uow: UnitOfWork) -> ListService:
        return ListService(uow, directory.tree, models, seal, search)

    return lists


def record_services(
    directory: TenantDirectory, models: ModelCache, seal: PiiSeal
) -> Callable[[UnitOfWork], RecordService]:
    """Records in a given unit of work, for a job worker (a spreadsheet import); its
    writes of published types are announced to the web workers on `models`' Redis."""
    ids = EffectiveIds()
    items = ServiceItems()
    record_sets = RecordSetVersions(models.cache)

    def records(uow: UnitOfWork) -> RecordService:
        return RecordService(
            uow, directory.tree, models, seal, ids, items, record_sets, attachments=References(uow)
        )

    return records


def build_runtime(
    directory: TenantDirectory,
    models: ModelCache,
    policy: PolicyServices,
    checks: PublishChecks,
    *,
    search: SearchClause | None = records_search,
) -> RuntimeServices:
    # the Redis the effective models announce on carries the record set versions too
    record_sets = RecordSetVersions(models.cache)
    runtime = RuntimeServices(
        directory=directory,
        models=models,
        seal=checks.seal,
        effective_ids=EffectiveIds(),
        policy=policy,
        checks=checks,
        search=search,
        record_sets=record_sets,
        public_pages=PublicPages(record_sets),
    )
    pages = PortalPages(record_sets, directory, models, runtime.portal)
    return replace(runtime, portal_pages=pages)


def dependencies(runtime: RuntimeServices, identity: IdentityServices) -> dict[str, Provide]:
    async def records(uow: UnitOfWork) -> RecordService:
        return runtime.records(uow)

    async def lists(uow: UnitOfWork) -> ListService:
        return runtime.lists(uow)

    def viewer(access: Access) -> Viewer:
        return runtime.viewer(access)

    pages = runtime.portal_pages or PortalPages(
        runtime.record_sets, runtime.directory, runtime.models, runtime.portal
    )

    site = PublicSite(runtime.directory, identity)

    async def portal_page(uow: UnitOfWork) -> PortalPage:
        return PortalPage(pages, uow, site)

    def public_site() -> PublicSite:
        return site

    return {
        "site": Provide(public_site, sync_to_thread=False),
        "portal_page": Provide(portal_page),
        "records": Provide(records),
        "lists": Provide(lists),
        "viewer": Provide(viewer, sync_to_thread=False),
    }
