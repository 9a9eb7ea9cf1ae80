"""Versions and publishing: draft -> validate -> impact preview -> publish -> rollback.

Each root tenant (a province) owns its base model; every other tenant owns
at most an overlay. A draft is a working copy of either; publishing checks it
in full, previews its impact on every tenant below, refuses if any of their
overlays would no longer apply, then stores an immutable version with its
content hash, bumps the publish generation and writes an audit record, all in
the caller's unit of work. Once it commits, the new generation is announced
(`ModelCache.announce`) so every worker drops its stale chains.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from yiwang.metadata.documents.base_model import parse_base_model
from yiwang.metadata.documents.errors import MetadataInvalid
from yiwang.metadata.documents.hashing import content_hash
from yiwang.metadata.documents.metaschemas import overlay_errors
from yiwang.metadata.documents.problems import Problems, raise_for
from yiwang.metadata.documents.route_roles import route_role_errors
from yiwang.metadata.documents.shapes import Document, Overlay
from yiwang.metadata.generators.descriptors import EncodedDescriptor, encoded_citizen_form
from yiwang.metadata.generators.draft07 import to_draft07
from yiwang.metadata.generators.openapi import openapi_components
from yiwang.metadata.generators.record_schema import record_schema
from yiwang.metadata.resolution.diff import Change, diff_documents
from yiwang.metadata.resolution.impact import ImpactPreview, preview_impact
from yiwang.metadata.resolution.resolve import (
    EffectiveModel,
    Layer,
    add_layer,
    check_layers,
    freeze,
)
from yiwang.metadata.versions.bundled import load_base_model, load_overlays
from yiwang.metadata.versions.model_cache import Chain, ModelCache
from yiwang.metadata.versions.models import MetadataVersion
from yiwang.metadata.versions.repository import MetadataRepository, published_scope
from yiwang.platform.errors import Conflict, ErrorDetail, NotFound, render_details
from yiwang.platform.tenant_context import TenantScope
from yiwang.platform.unit_of_work import UnitOfWork
from yiwang.policy.catalogue import RoleCatalogue, load_catalogue
from yiwang.tenants.onboarding.service import Onboarded
from yiwang.tenants.onboarding.tenant_templates import load_template
from yiwang.tenants.tree import TenantNode, TenantTree

AUDIT_OBJECT = "metadata_version"
#: the exchange format of `export` and `import`
EXCHANGE_FORMAT = "yiwang-metadata/1"


@dataclass(frozen=True)
class InvalidRecords:
    """A tenant's records a new effective model would refuse: how many, and the first."""

    count: int
    first: list[dict[str, Any]] = field(default_factory=list)


class RecordChecks(Protocol):
    """What the runtime adds to a publish; metadata never imports the runtime, so the
    app passes it in (as onboarding receives `completes_onboarding`).

    `count_invalid` re-validates `tenant`'s records against `after` (only the item
    types and business forms that differ from `before`); `published` runs in the
    publish's unit once the version is stored, with the new models of every tenant
    it changed (the runtime records the list indexes they want).
    """

    async def count_invalid(
        self,
        uow: UnitOfWork,
        tenant: TenantNode,
        before: EffectiveModel | None,
        after: EffectiveModel,
    ) -> InvalidRecords: ...

    async def published(self, uow: UnitOfWork, models: Sequence[EffectiveModel]) -> None: ...


def checked(errors: list[ErrorDetail]) -> dict[str, Any]:
    """The answer of a check: valid, and every problem when not."""
    return {"valid": not errors, "errors": render_details(errors)}


@dataclass(frozen=True)
class PublishResult:
    """What a publish or rollback did."""

    tenant: str
    action: str
    kind: str
    number: int
    version_id: int
    content_hash: str
    generation: int
    preview: ImpactPreview

    def as_dict(self) -> dict[str, Any]:
        return {
            "tenant": self.tenant,
            "action": self.action,
            "kind": self.kind,
            "number": self.number,
            "version_id": self.version_id,
            "content_hash": self.content_hash,
            "generation": self.generation,
            "preview": self.preview.as_dict(),
        }


def version_summary(version: MetadataVersion) -> dict[str, Any]:
    return {
        "number": version.number,
        "id": version.id,
        "kind": version.kind,
        "status": version.status,
        "content_hash": version.content_hash,
        "previous_id": version.previous_id,
        "based_on": version.based_on,
        "note": version.note,
        "published_by": version.published_by,
        "published_at": version.published_at.isoformat() if version.published_at else None,
    }


async def effective_version_id(
    session: AsyncSession, tree: TenantTree, models: ModelCache, code: str
) -> int:
    """The id of `code`'s effective model as stored beside records (made on first use)."""
    model = await models.effective(session, tree, code)
    chain = await models.chain(session, tree, code)
    return await MetadataRepository(session).effective_id(
        tree.node(code).id, model.content_hash, [ref.as_dict() for ref in chain]
    )


class MetadataService:
    """Metadata of the tenants of one tree, in the caller's unit of work.

    `roles` is the role catalogue: a version whose approval steps name a role it
    lacks is refused (`metadata.route.role_unknown`); `records` is the runtime's part
    of a publish (records a change would invalidate, list indexes).
    """

    def __init__(
        self,
        uow: UnitOfWork,
        tree: TenantTree,
        models: ModelCache,
        roles: RoleCatalogue,
        records: RecordChecks | None = None,
    ) -> None:
        self.uow = uow
        self.tree = tree
        self.models = models
        self.route_roles: Collection[str] = frozenset(roles.roles)
        self.records = records

    @property
    def session(self) -> AsyncSession:
        return self.uow.session

    @property
    def repo(self) -> MetadataRepository:
        return MetadataRepository(self.uow.session)

    # --- reading --------------------------------------------------------------

    async def effective(self, code: str) -> EffectiveModel:
        """Served from memory when it can be: a warm form costs no session."""
        return await self.models.served(self.uow, self.tree, code)

    async def document(self, code: str, key: str) -> Document:
        return (await self.effective(code)).document(key)

    async def history(self, code: str) -> list[MetadataVersion]:
        return await self.repo.history(self.tree.node(code).id)

    async def types(self, code: str) -> list[dict[str, Any]]:
        """The item types of `code`'s effective model: key, kind and label."""
        model = await self.effective(code)
        return [
            {"key": key, "kind": doc["kind"], "label": doc["label"]}
            for key, doc in model.documents.items()
        ]

    async def record_schema(self, code: str, key: str, dialect: str) -> dict[str, Any]:
        schema = record_schema(await self.effective(code), key)
        return to_draft07(schema) if dialect == "draft-07" else schema

    async def openapi(self, code: str) -> dict[str, Any]:
        return openapi_components(await self.effective(code))

    async def citizen_form(self, code: str, key: str, form: str) -> EncodedDescriptor:
        return encoded_citizen_form(await self.effective(code), code, key, form)

    async def effective_version_id(self, code: str) -> int:
        """The id records store: the effective model they were validated against."""
        return await effective_version_id(self.session, self.tree, self.models, code)

    async def export(self, code: str, *, effective: bool = False) -> dict[str, Any]:
        """The tenant's current version (or effective model) in the exchange format."""
        node = self.tree.node(code)
        if effective:
            model = await self.effective(code)
            return {
                "format": EXCHANGE_FORMAT,
                "tenant": code,
                "kind": "effective",
                "content_hash": model.content_hash,
                "versions": list(model.versions),
                "content": {"documents": dict(model.documents)},
            }
        current = await self.repo.current(node.id)
        if current is None:
            raise NotFound("metadata.version.none", tenant=code)
        return {
            "format": EXCHANGE_FORMAT,
            "tenant": code,
            "kind": current.kind,
            "number": current.number,
            "content_hash": current.content_hash,
            "content": current.content,
        }

    # --- drafts ---------------------------------------------------------------

    def _is_root(self, node: TenantNode) -> bool:
        return node.parent_code is None

    async def draft(self, code: str) -> dict[str, Any] | None:
        found = await self.repo.draft(self.tree.node(code).id)
        return found.content if found is not None else None

    async def save_draft(self, code: str, content: Any) -> None:
        """Store a working copy; it may be incomplete, but must be an object of the right kind."""
        node = self.tree.node(code)
        if not isinstance(content, dict):
            raise_for([ErrorDetail("metadata.draft.not_object", "")])
        if not self._is_root(node) and content.get("tenant", code) != code:
            raise_for(
                [
                    ErrorDetail(
                        "metadata.overlay.tenant_mismatch",
                        "/tenant",
                        {"found": str(content.get("tenant"))[:12], "tenant": code},
                    )
                ]
            )
        current = await self.repo.current(node.id)
        await self.repo.save_draft(
            node.id, content, current.id if current is not None else None, self.uow.actor
        )

    async def save_and_check(self, code: str, content: Any) -> dict[str, Any]:
        """Store the draft, then say whether it could be published and, if not, why."""
        if isinstance(content, dict) and content.get("format") == EXCHANGE_FORMAT:
            content = content.get("content")
        await self.save_draft(code, content)
        return checked(await self.validate(code, content))

    async def discard_draft(self, code: str) -> None:
        await self.repo.drop_draft(self.tree.node(code).id)

    async def _required_draft(self, code: str) -> dict[str, Any]:
        content = await self.draft(code)
        if content is None:
            raise NotFound("metadata.draft.missing", tenant=code)
        return content

    # --- checking ---------------------------------------------------------------

    async def _inherited(self, code: str) -> tuple[Layer, ...]:
        """The layers of `code`'s ancestors as currently published (its own excluded)."""
        parent = self.tree.node(code).parent_code
        assert parent is not None, "the root inherits nothing"
        return (await self.models.effective(self.session, self.tree, parent)).layers

    async def candidate_layers(self, code: str, content: Any) -> tuple[Layer, ...]:
        """The layers `content` would give `code`; raises `MetadataInvalid` with every error."""
        node = self.tree.node(code)
        if self._is_root(node):
            model = parse_base_model(content)
            raise_for(route_role_errors(content, self.route_roles))
            return (Layer(code, content_hash(content), model),)
        problems = Problems()
        problems.extend(overlay_errors(content))
        if not problems:
            problems.extend(route_role_errors(content, self.route_roles))
        if not problems and content["tenant"] != code:
            problems.add(
                "metadata.overlay.tenant_mismatch",
                "/tenant",
                found=str(content["tenant"])[:12],
                tenant=code,
            )
        problems.raise_if_any()
        layers = add_layer(
            await self._inherited(code), Overlay(code, content, content_hash(content))
        )
        check_layers(layers)
        return layers

    async def validate(self, code: str, content: Any) -> list[ErrorDetail]:
        """Every problem of `content` as `code`'s next version; empty when publishable."""
        try:
            await self.candidate_layers(code, content)
        except MetadataInvalid as exc:
            return exc.details
        return []

    async def validate_draft(self, code: str) -> list[ErrorDetail]:
        return await self.validate(code, await self._required_draft(code))

    async def diff_draft(self, code: str) -> list[Change]:
        """What the draft changes in `code`'s effective model."""
        layers = await self.candidate_layers(code, await self._required_draft(code))
        after = freeze(code, layers)
        try:
            before: Mapping[str, Any] = (await self.effective(code)).documents
        except NotFound:
            before = {}
        return diff_documents({"documents": dict(before)}, {"documents": dict(after.documents)})

    async def _descendant_overlays(self, code: str) -> dict[str, Overlay]:
        below = self.tree.descendants(code)
        if not below:
            return {}
        acting = self.tree.node(code).id
        async with published_scope(self.session, acting, [n.id for n in below]):
            current = await self.repo.current_of([n.id for n in below])
        by_id = {n.id: n.code for n in below}
        return {
            by_id[tenant_id]: Overlay(by_id[tenant_id], version.content, version.content_hash)
            for tenant_id, version in current.items()
            if version.kind == "overlay"
        }

    async def preview(self, code: str, content: Any) -> ImpactPreview:
        """Which tenants below `code` `content` would break, and which of their records
        would no longer validate (nothing is written)."""
        preview, _ = await self._preview(code, content)
        return preview

    async def _preview(self, code: str, content: Any) -> tuple[ImpactPreview, list[EffectiveModel]]:
        layers = await self.candidate_layers(code, content)
        overlays = await self._descendant_overlays(code)
        preview = preview_impact(code, layers, self.tree.parents(), overlays)
        if self.records is None:
            return preview, []
        models = [
            freeze(tenant, tenant_layers) for tenant, tenant_layers in preview.resolved.items()
        ]
        counts: dict[str, int] = {}
        first: dict[str, list[dict[str, Any]]] = {}
        for model in models:
            try:
                before: EffectiveModel | None = await self.effective(model.tenant)
            except NotFound:
                before = None
            if before is not None and before.content_hash == model.content_hash:
                continue
            found = await self.records.count_invalid(
                self.uow, self.tree.node(model.tenant), before, model
            )
            if found.count:
                counts[model.tenant] = found.count
                first[model.tenant] = found.first
        return replace(preview, invalid_records=counts, first_invalid=first), models

    async def preview_draft(self, code: str) -> ImpactPreview:
        return await self.preview(code, await self._required_draft(code))

    # --- publishing -------------------------------------------------------------

    def _refuse_conflicts(self, preview: ImpactPreview) -> None:
        if preview.ok:
            return
        details = [d for errors in preview.conflicts.values() for d in errors]
        tenants = "、".join(sorted(preview.conflicts))
        raise Conflict(
            "metadata.publish.conflicts",
            details=details,
            count=len(preview.conflicts),
            tenants=tenants,
        )

    async def publish(
        self, code: str, *, note: str | None = None, content: Any = None
    ) -> PublishResult:
        """Publish the draft (or `content`): checked, previewed, stored, audited."""
        node = self.tree.node(code)
        body = content if content is not None else await self._required_draft(code)
        preview, models = await self._preview(code, body)
        self._refuse_conflicts(preview)
        digest = content_hash(body)
        current = await self.repo.current(node.id)
        if current is not None and current.content_hash == digest:
            raise Conflict("metadata.publish.unchanged", tenant=code)
        based_on = await self._based_on(code)
        version = await self.repo.add_version(
            tenant_id=node.id,
            kind="base" if self._is_root(node) else "overlay",
            content=body,
            content_hash=digest,
            based_on=based_on,
            actor=self.uow.actor,
            note=note,
        )
        await self.repo.drop_draft(node.id)
        if self.records is not None:
            await self.records.published(self.uow, models)
        return await self._finish(node, version, "metadata.publish", preview)

    async def _based_on(self, code: str) -> list[dict[str, Any]]:
        parent = self.tree.node(code).parent_code
        if parent is None:
            return []
        chain: Chain = await self.models.chain(self.session, self.tree, parent)
        return [ref.as_dict() for ref in chain]

    async def rollback(self, code: str) -> PublishResult:
        """Make the version before the current one current again, if nothing below breaks."""
        node = self.tree.node(code)
        current = await self.repo.current(node.id)
        previous = (
            await self.repo.version(node.id, current.previous_id)
            if current is not None and current.previous_id is not None
            else None
        )
        if current is None or previous is None:
            raise NotFound("metadata.rollback.nothing", tenant=code)
        preview, models = await self._preview(code, previous.content)
        self._refuse_conflicts(preview)
        await self.repo.roll_back(current, previous)
        if self.records is not None:
            await self.records.published(self.uow, models)
        return await self._finish(node, previous, "metadata.rollback", preview)

    async def _finish(
        self,
        node: TenantNode,
        version: MetadataVersion,
        action: str,
        preview: ImpactPreview,
    ) -> PublishResult:
        generation = await self.repo.bump_generation()

        async def announce() -> None:
            await self.models.announce(generation)

        self.uow.after_commit(announce)
        await self.uow.audit(
            action=action,
            object_type=AUDIT_OBJECT,
            object_id=f"{node.code}/{version.number}",
            tenant_id=node.id,
            detail={
                "kind": version.kind,
                "number": version.number,
                "content_hash": version.content_hash,
                "previous_id": version.previous_id,
                "generation": generation,
                "checked_tenants": preview.checked,
            },
        )
        return PublishResult(
            tenant=node.code,
            action=action,
            kind=version.kind,
            number=version.number,
            version_id=version.id,
            content_hash=version.content_hash,
            generation=generation,
            preview=preview,
        )


async def install_templates(
    uow: UnitOfWork,
    tree: TenantTree,
    models: ModelCache,
    templates_root: Path,
    records: RecordChecks | None = None,
) -> list[PublishResult]:
    """Publish the bundled base model and example overlays where nothing is published yet.

    Every root of the tree (every province) gets the base model its tenant
    template names (`base:`, by default `tenant_templates/base`); the example
    overlays go to the tenants that exist. Idempotent: a tenant that already has
    a current version is left alone, so onboarding and every start may call it.
    Overlays apply top-down, each checked against what its ancestors have just
    published in this same transaction, which is why a private, uncached
    `ModelCache` reads them: nothing of an uncommitted transaction may reach the
    shared caches. After commit, `models` announces the last generation.
    """
    service = MetadataService(
        uow, tree, ModelCache(None, poll_seconds=0.0), load_catalogue(templates_root), records
    )
    results: list[PublishResult] = []
    bases: dict[str, dict[str, Any]] = {}
    steps: list[tuple[TenantNode, dict[str, Any]]] = []
    for root in tree.roots:
        folder = load_template(templates_root, root.template).base if root.template else "base"
        if folder not in bases:
            bases[folder] = load_base_model(templates_root, folder).as_json()
        steps.append((root, bases[folder]))
    overlays = load_overlays(templates_root)
    ordered = sorted((tree.by_code[c] for c in overlays if c in tree), key=lambda n: len(n.codes))
    steps += [(node, overlays[node.code].body) for node in ordered]
    for node, content in steps:
        await uow.use_scope(TenantScope.single(node.id))
        if await service.repo.current(node.id) is not None:
            continue
        results.append(await service.publish(node.code, note="模板", content=content))
    if results:
        generation = results[-1].generation

        async def announce() -> None:
            await models.announce(generation)

        uow.after_commit(announce)
    return results


def completes_onboarding(
    models: ModelCache, templates_root: Path, records: RecordChecks | None = None
) -> Callable[[UnitOfWork, Onboarded], Awaitable[None]]:
    """The onboarding step that publishes each new province's base model (and the example
    overlays of new regions) in the onboarding's own unit of work."""

    async def step(uow: UnitOfWork, done: Onboarded) -> None:
        if done.created:
            await install_templates(
                uow, await TenantTree.load(uow.session), models, templates_root, records
            )

    return step
