"""Subsite pages that read records, kept as bytes by everything their bytes follow.

A guide, a list page or a search is rendered once per key and served from memory
until the key moves. The key holds what changes the bytes:
- the path and the raw query string (filters, search, cursor; the page links back
  to itself with them);
- the reading mode (`yw_display`, normalised) and whether htmx asked for the
  results only;
- the registry's version (region names, departments), the effective model's
  hash (labels, code lists, what is published) and the publish generation it
  was served at, and the versions of the record sets the page reads
  (`record_sets`: a record edit moves one at once). The hash alone could come
  back: a model published A → B → A, where B took the type off the public
  lists, lets its records change without moving a set's version; the
  generation never comes back, so every publish or rollback retires the pages;
- the platform's version (the templates).

A caller who presents a session is never served from here and never fills it:
a signed-in page is rendered for its reader alone. The ETag is a digest of the
key, so a client holding the page gets 304 without a render.

A hit costs no database (the model and the versions were read within the
second) and resolves one dependency besides the unit of work (`PortalPage`):
Litestar resolves sibling dependencies in a task group, which costs more than
serving the bytes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Final

from litestar import Request, Response

from yiwang import __version__
from yiwang.metadata.resolution.resolve import EffectiveModel
from yiwang.metadata.versions.model_cache import ModelCache
from yiwang.platform.conditional import REVALIDATE, matches, not_modified
from yiwang.platform.tenant_context import TenantScope
from yiwang.platform.unit_of_work import UnitOfWork
from yiwang.policy.identity.sessions import session_token
from yiwang.runtime.portal.service import PortalService
from yiwang.runtime.portal.viewer import PublicSite, Viewer
from yiwang.runtime.record_sets.memo import VersionedMemo
from yiwang.runtime.record_sets.versions import RecordSetVersions
from yiwang.runtime.web.display import COOKIE, display_of
from yiwang.tenants.directory import TenantDirectory

HTML: Final = "text/html; charset=utf-8"
#: full pages and htmx's results differ; so do reading modes and sessions
VARY: Final = "HX-Request, Cookie"


def signed_in(request: Request[Any, Any, Any]) -> bool:
    """Whether the caller presents a session (valid or not: either way, not shared)."""
    return session_token(request.headers, request.cookies) is not None


def etag_of(key: tuple[object, ...]) -> str:
    digest = hashlib.blake2b(repr((__version__, key)).encode(), digest_size=16).hexdigest()
    return f'"page-{digest}"'


@dataclass(frozen=True)
class PortalPages:
    """This worker's rendered subsite pages, by key, and what a render reads with."""

    record_sets: RecordSetVersions
    directory: TenantDirectory
    models: ModelCache
    #: one request's reads (built only when a page is rendered)
    reads: Callable[[UnitOfWork], PortalService]
    memo: VersionedMemo[bytes] = field(default_factory=VersionedMemo)


@dataclass(frozen=True)
class PortalPage:
    """The page cache as one request sees it: its unit of work beside the worker's pages,
    and who is looking (`viewer`), so that a page resolves this one dependency."""

    pages: PortalPages
    uow: UnitOfWork
    site: PublicSite

    async def viewer(self, request: Request[Any, Any, Any]) -> Viewer | None:
        return await self.site.viewer(request)

    @property
    def directory(self) -> TenantDirectory:
        return self.pages.directory

    def reads(self) -> PortalService:
        return self.pages.reads(self.uow)

    async def model(self, code: str) -> EffectiveModel:
        return await self.pages.models.served(self.uow, self.directory.tree, code)

    async def serve(
        self,
        request: Request[Any, Any, Any],
        *,
        scope: TenantScope,
        type_key: str,
        model: EffectiveModel,
        render: Callable[[], Awaitable[bytes]],
        personal: bool = False,
    ) -> Response[bytes]:
        """The page `render` makes, from memory when its key has been rendered before.

        `scope` is whose records the page reads (its RLS scope), `type_key` their
        type, `model` the effective model it is rendered with; a `personal` page (it
        names the signed-in person) is drawn for its reader alone."""
        if personal or signed_in(request):
            return Response(await render(), media_type=HTML, headers={"vary": VARY})
        record_sets = self.pages.record_sets
        await self.uow.use_scope(scope)
        await record_sets.current(self.uow, scope.visible_tenant_ids)
        key = (
            request.url.path,
            request.scope.get("query_string", b""),
            display_of(request.cookies.get(COOKIE)).cookie,
            request.headers.get("hx-request") == "true",
            self.directory.version,
            model.content_hash,
            self.pages.models.generation,
            type_key,
            record_sets.of(scope.visible_tenant_ids, type_key),
        )
        etag = etag_of(key)
        if matches(request, etag):
            return not_modified(etag)
        memo = self.pages.memo
        body = memo.get(key)
        if body is None:
            body = await render()
            memo.put(key, body)
        return Response(
            body, media_type=HTML, headers={"etag": etag, "cache-control": REVALIDATE, "vary": VARY}
        )
