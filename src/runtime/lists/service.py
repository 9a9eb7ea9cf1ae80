"""One page of a list view, in the caller's unit of work and scope.

The plan is checked against the view (`query`), compiled (`compile`) and run
through the repository; rows come back with their personal data masked from
the stored masked copy, or in full for a viewer with the permission who asks
for it (`personal=full`), which is audited with the ids it showed.

A masked page of a published type (`publication.public`) is kept in the
worker's memory by everything it was read from: the tenants the scope reads,
the effective model (its hash and the publish generation it was served at),
the versions of the type's record sets in those tenants (every write of such a
type moves its set's version in the writer's transaction, `record_sets.versions`),
the viewer's department restriction and the query's parameters, and is served
again until one of them moves. The hash alone could come back: a model
published A → B → A, where B took the type off the public lists, lets records
change in between without moving a set's version; the generation never comes
back, so a publish or rollback anywhere retires every kept page. The
guard has decided the request before the page is asked for, so a kept page is
only ever handed to a caller the policy admits to that scope; a page in full
is never kept (each is read, and audited, again).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from yiwang.metadata.documents.shapes import Document
from yiwang.metadata.versions.model_cache import ModelCache
from yiwang.platform.errors import NotFound
from yiwang.platform.statement_limits import STATEMENT_TIME_LIMIT_MS
from yiwang.platform.tenant_context import TenantScope
from yiwang.platform.unit_of_work import UnitOfWork
from yiwang.runtime.lists import cursor
from yiwang.runtime.lists.compile import (
    SearchClause,
    compile_count,
    compile_page,
    row_sort_values,
)
from yiwang.runtime.lists.errors import ViewNotPublic
from yiwang.runtime.lists.query import Plan, plan_query
from yiwang.runtime.lists.repository import ListRepository
from yiwang.runtime.lists.views import View, view_of
from yiwang.runtime.record_sets.memo import VersionedMemo
from yiwang.runtime.record_sets.versions import RecordSetVersions
from yiwang.runtime.records import privacy
from yiwang.runtime.records.errors import PersonalDataForbidden
from yiwang.runtime.records.service import AUDIT_OBJECT, MASKED, RecordService, Viewer
from yiwang.tenants.tree import TenantTree


@dataclass(frozen=True)
class PublicPages:
    """List pages of published types kept by this worker, by the versions they were read
    at: the public ones (`pages`), and the masked ones of signed-in staff (`staff`)."""

    record_sets: RecordSetVersions
    pages: VersionedMemo[Page] = field(default_factory=VersionedMemo)
    staff: VersionedMemo[Page] = field(default_factory=VersionedMemo)

    async def versions(
        self, uow: UnitOfWork, tenant_ids: Sequence[int], type_key: str
    ) -> tuple[int, ...]:
        """The versions of `type_key`'s sets in these tenants (read in the unit's scope,
        at most once a second per tenant)."""
        await self.record_sets.current(uow, tenant_ids)
        return self.record_sets.of(tenant_ids, type_key)


def _frozen(params: Mapping[str, Sequence[str]]) -> tuple[tuple[str, tuple[str, ...]], ...]:
    return tuple(sorted((k, tuple(v)) for k, v in params.items()))


@dataclass(frozen=True)
class Prepared:
    """A checked list query: the type's document, the plan, whose rows, personal data."""

    document: Document
    plan: Plan
    tenant_ids: tuple[int, ...]
    #: personal data in full (asked for, and allowed)
    reveal: bool
    #: the effective model's hash (what a kept page is keyed by)
    content_hash: str = ""
    #: the publish generation the model was served at (kept pages too: a hash can
    #: come back after A → B → A, a generation never does)
    generation: int = 0


@dataclass(frozen=True)
class Page:
    document: Document
    view: View
    items: list[dict[str, Any]]
    next_cursor: str | None
    limit: int
    personal: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "type": self.document["key"],
            "view": self.view.describe(self.document),
            "items": self.items,
            "next_cursor": self.next_cursor,
            "limit": self.limit,
            "personal": self.personal,
        }


@dataclass(frozen=True)
class _Published:
    """A public view, checked: whose records it reads and with which parameters."""

    tenants: tuple[int, ...]
    content_hash: str
    generation: int
    params: dict[str, Sequence[str]]
    subtree: bool


class ListService:
    """List views of the unit's acting tenant, or of every tenant its scope sees."""

    def __init__(
        self,
        uow: UnitOfWork,
        tree: TenantTree,
        models: ModelCache,
        seal: privacy.PiiSeal,
        search: SearchClause | None = None,
        public: PublicPages | None = None,
        time_limit_ms: int = STATEMENT_TIME_LIMIT_MS,
    ) -> None:
        self.uow = uow
        self.tree = tree
        self.models = models
        self.seal = seal
        self.search = search
        self.public = public
        self.repo = ListRepository(uow.session, time_limit_ms)

    def plan(
        self, document: Document, view_key: str | None, params: Mapping[str, Sequence[str]]
    ) -> Plan:
        view = view_of(document, view_key)
        return plan_query(
            document,
            view,
            params,
            hash_pii=lambda key, value: self.seal.blind_index(document["key"], key, value),
            searchable=self.search is not None,
        )

    async def prepare(
        self,
        type_key: str,
        params: Mapping[str, Sequence[str]],
        *,
        viewer: Viewer,
        subtree: bool = False,
    ) -> Prepared:
        """The checked query of `type_key`'s list: `ListQueryInvalid` listing every problem,
        `PersonalDataForbidden` for personal data in full without the permission."""
        scope = self.uow.scope
        if scope is None:
            raise NotFound("not_found")
        node = self.tree.node_by_id(scope.acting_tenant_id)
        model = await self.models.served(self.uow, self.tree, node.code)
        document = RecordService.item_document(model, type_key)
        view_key = params.get("view", [None])[0] if "view" in params else None
        plan = self.plan(document, view_key, params)
        if plan.personal and not viewer.sees_pii:
            raise PersonalDataForbidden("records.pii_forbidden", pointer="/personal")
        tenant_ids = scope.visible_tenant_ids if subtree else (scope.acting_tenant_id,)
        return Prepared(
            document,
            plan,
            tuple(tenant_ids),
            plan.personal,
            model.content_hash,
            self.models.generation,
        )

    async def limit_time(self) -> None:
        """Bound every later statement of the unit by the statement time limit (a page, an
        export's step, as a supervisor's query is): `lists.timed_out` when passed."""
        await self.repo.limit_time()

    async def rows(
        self, prepared: Prepared, *, viewer: Viewer, after: Sequence[Any] | None
    ) -> tuple[list[dict[str, Any]], list[Any] | None]:
        """One keyset step of a prepared query: its items, and where the next one starts
        (None after the last)."""
        plan = prepared.plan
        compiled = compile_page(
            prepared.document,
            plan,
            tenant_ids=prepared.tenant_ids,
            restrict_to_department=viewer.restricted,
            department=viewer.department,
            after=after,
            reveal=prepared.reveal,
            search=self.search,
        )
        rows = await self.repo.page(compiled)
        more = len(rows) > plan.limit
        rows = rows[: plan.limit]
        items = [self._item(prepared.document, plan.view, row, prepared.reveal) for row in rows]
        following = row_sort_values(rows[-1], compiled) if more and rows else None
        return items, following

    async def count(self, prepared: Prepared, *, viewer: Viewer) -> int:
        """How many rows the whole query holds."""
        compiled = compile_count(
            prepared.document,
            prepared.plan,
            tenant_ids=prepared.tenant_ids,
            restrict_to_department=viewer.restricted,
            department=viewer.department,
            search=self.search,
        )
        return await self.repo.count(compiled)

    async def page(
        self,
        type_key: str,
        params: Mapping[str, Sequence[str]],
        *,
        viewer: Viewer,
        subtree: bool = False,
    ) -> Page:
        """A page of `type_key`'s list; `subtree` reads every tenant the scope sees. Its
        statements (and the unit's after them) run under the statement time limit."""
        await self.limit_time()
        prepared = await self.prepare(type_key, params, viewer=viewer, subtree=subtree)
        key = await self._kept_key(prepared, params, viewer)
        if key is not None and self.public is not None:
            found = self.public.staff.get(key)
            if found is not None:
                return found
        page = await self._read_page(prepared, viewer)
        if key is not None and self.public is not None:
            self.public.staff.put(key, page)
        return page

    async def _kept_key(
        self, prepared: Prepared, params: Mapping[str, Sequence[str]], viewer: Viewer
    ) -> tuple[Any, ...] | None:
        """What a masked page of a published type is kept by (None: not kept): the caller
        too, as every response cache here is, though the page would be the same for anyone
        in the same scope and department."""
        publication: Mapping[str, Any] = prepared.document.get("publication") or {}
        if self.public is None or prepared.reveal or publication.get("public") is not True:
            return None
        type_key = prepared.plan.view.type_key
        versions = await self.public.versions(self.uow, prepared.tenant_ids, type_key)
        return (
            self.uow.actor,
            prepared.tenant_ids,
            type_key,
            prepared.content_hash,
            prepared.generation,
            versions,
            viewer.restricted,
            viewer.department if viewer.restricted else None,
            _frozen(params),
        )

    async def _read_page(self, prepared: Prepared, viewer: Viewer) -> Page:
        plan = prepared.plan
        after = cursor.decode(plan, plan.cursor) if plan.cursor is not None else None
        items, following = await self.rows(prepared, viewer=viewer, after=after)
        if prepared.reveal and items:
            await self.audit_reveal(
                "record.pii_revealed",
                prepared,
                {"ids": [int(i["id"]) for i in items]},
            )
        next_cursor = cursor.encode(plan, following) if following is not None else None
        return Page(
            prepared.document,
            plan.view,
            items,
            next_cursor,
            plan.limit,
            "full" if prepared.reveal else "masked",
        )

    async def audit_reveal(self, action: str, prepared: Prepared, detail: dict[str, Any]) -> None:
        """Personal data shown in full: which type and view, and what of it (ids, a count)."""
        scope = self.uow.scope
        assert scope is not None
        type_key = prepared.plan.view.type_key
        await self.uow.audit(
            action=action,
            object_type=AUDIT_OBJECT,
            object_id=type_key,
            tenant_id=scope.acting_tenant_id,
            detail={"type": type_key, "view": prepared.plan.view.key, **detail},
        )

    async def public_page(
        self,
        code: str,
        type_key: str,
        params: Mapping[str, Sequence[str]],
        *,
        reach: Sequence[str] = (),
    ) -> Page:
        """A page of a published list (the portal's, read without sign-in): only a view
        with `audience: public` of an item type with `publication.public`, personal data
        masked. Anything else is no public list (`lists.view_not_public`, 404).

        `reach` names other tenants (a county's prefecture and province) whose published
        records belong on the same page, read with `code`'s model.

        With `public` pages, a page is kept by the model's hash and generation, the
        versions of the record sets it reads and the parameters, and served again until
        one moves. Its statements run under the statement time limit, as a staff page's."""
        await self.limit_time()
        published = await self._published(code, type_key, params, reach)
        key = None
        if self.public is not None:
            versions = await self.public.versions(self.uow, published.tenants, type_key)
            key = (
                code,
                type_key,
                published.tenants,
                published.content_hash,
                published.generation,
                versions,
                _frozen(params),
            )
            found = self.public.pages.get(key)
            if found is not None:
                return found
        prepared = await self.prepare(
            type_key, published.params, viewer=MASKED, subtree=published.subtree
        )
        page = await self._read_page(prepared, MASKED)
        if key is not None and self.public is not None:
            self.public.pages.put(key, page)
        return page

    async def public_prepared(
        self, code: str, type_key: str, params: Mapping[str, Sequence[str]]
    ) -> Prepared:
        """The whole of a published list's public view with `params` (filters, search),
        checked as `public_page` checks a page, masked: what a public export writes."""
        published = await self._published(code, type_key, params, ())
        return await self.prepare(type_key, published.params, viewer=MASKED)

    async def _published(
        self,
        code: str,
        type_key: str,
        params: Mapping[str, Sequence[str]],
        reach: Sequence[str],
    ) -> _Published:
        """Scope the unit to `code` (and `reach`) and check that the asked view is public."""
        node = self.tree.get(code)
        if node is None:
            raise NotFound("tenant.not_found", code=code[:12])
        others = tuple(self.tree.node(c).id for c in reach if c != code)
        tenants = (node.id, *others)
        await self.uow.use_scope(TenantScope(node.id, tenants))
        model = await self.models.served(self.uow, self.tree, node.code)
        document = RecordService.item_document(model, type_key)
        publication: Mapping[str, Any] = document.get("publication") or {}
        asked = params.get("view", [None])[0] if "view" in params else None
        view_key = asked if asked is not None else publication.get("list")
        view = view_of(document, view_key) if isinstance(view_key, str) else None
        if publication.get("public") is not True or view is None or view.audience != "public":
            raise ViewNotPublic(
                "lists.view_not_public",
                pointer="/view",
                type_label=document["label"],
                view=(view_key or "")[:64],
            )
        return _Published(
            tenants,
            model.content_hash,
            self.models.generation,
            {**params, "view": [view.key]},
            subtree=bool(others),
        )

    def _item(
        self, document: Document, view: View, row: Mapping[str, Any], reveal: bool
    ) -> dict[str, Any]:
        data = row["data"]
        if reveal and row.get("pii_sealed"):
            part = self.seal.open(row["tenant_id"], document["key"], row["pii_sealed"])
            data = privacy.merge(data, part.get("data"))
        elif row.get("pii_masked"):
            data = privacy.merge(data, row["pii_masked"].get("data"))
        return {
            "id": row["id"],
            "tenant": self.tree.node_by_id(row["tenant_id"]).code,
            "number": row["number"],
            "status": row["status"],
            "department": row["department"],
            "version": row["version"],
            "updated_at": row["updated_at"].isoformat(),
            "values": {key: data.get(key) for key in view.columns},
        }
