"""The citizen pages' one dependency each: `case_pages` (我的办件 and the case page).

Built from the process's parts and the request's unit of work only, so Litestar
resolves a single dependency below it and no task group (two dependencies of
one level are resolved in one, which costs more than these pages); the viewer
is read inside, as the subsite home reads it through `PublicSite`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar import Request
from litestar.di import Provide

from yiwang.metadata.dependencies import MetadataServices
from yiwang.platform.unit_of_work import UnitOfWork
from yiwang.policy.guards import provide_access
from yiwang.policy.identity.dependencies import IdentityServices
from yiwang.runtime.attachments.dependencies import AttachmentServices
from yiwang.runtime.cases.dependencies import CasesServices
from yiwang.runtime.dependencies import RuntimeServices
from yiwang.runtime.portal.my_cases.parts import CasePages
from yiwang.runtime.portal.viewer import viewer_of
from yiwang.runtime.supervision.service import SupervisionService


@dataclass(frozen=True)
class CitizenSite:
    runtime: RuntimeServices
    cases: CasesServices
    metadata: MetadataServices
    attachments: AttachmentServices
    identity: IdentityServices


def dependencies(site: CitizenSite) -> dict[str, Provide]:
    async def case_pages(request: Request[Any, Any, Any], uow: UnitOfWork) -> CasePages:
        access = provide_access(request)
        return CasePages(
            request=request,
            access=access,
            cases=site.cases.service(uow),
            actor=site.cases.actor(access),
            metadata=site.metadata.service(uow),
            records=site.runtime.records(uow),
            directory=site.runtime.directory,
            attachments=site.attachments,
            supervision=SupervisionService(uow, site.runtime.directory.tree),
            viewer=await viewer_of(request, site.identity),
        )

    return {"case_pages": Provide(case_pages)}
