"""What every part of the record service stands on: the unit of work, the tenant
tree, the model cache, the seal and the repository; the acting tenant and its
effective model; a stored record found for a viewer and turned into what callers
see; and the record-set version a write of a published type moves.
"""

from __future__ import annotations

from typing import Any, Final

from yiwang.metadata.documents.shapes import Document
from yiwang.metadata.resolution.resolve import EffectiveModel
from yiwang.metadata.versions.model_cache import ModelCache
from yiwang.platform.errors import ErrorDetail, NotFound
from yiwang.platform.unit_of_work import UnitOfWork
from yiwang.runtime.record_sets.versions import RecordSetVersions
from yiwang.runtime.records import attached, checks, privacy
from yiwang.runtime.records import fields as platform_fields
from yiwang.runtime.records.effective_ids import EffectiveIds
from yiwang.runtime.records.errors import RecordNotFound, TypeUnknown
from yiwang.runtime.records.repository import RecordRepository, StoredRecord
from yiwang.runtime.records.service_items import ServiceItems
from yiwang.runtime.records.views import RecordView, Viewer
from yiwang.tenants.tree import TenantNode, TenantTree

AUDIT_OBJECT: Final = "record"
DEFAULT_STATUS: Final = "active"


class RecordBase:
    """The state and lookups the reads and writes share: records of the unit's acting tenant."""

    def __init__(
        self,
        uow: UnitOfWork,
        tree: TenantTree,
        models: ModelCache,
        seal: privacy.PiiSeal,
        effective_ids: EffectiveIds,
        service_items: ServiceItems | None = None,
        record_sets: RecordSetVersions | None = None,
        *,
        attachments: attached.AttachmentReferences | None = None,
    ) -> None:
        self.uow = uow
        self.tree = tree
        self.models = models
        self.seal = seal
        self.effective_ids = effective_ids
        self.service_items = service_items if service_items is not None else ServiceItems()
        #: counts writes of published types (what the public pages are cached by)
        self.record_sets = (
            record_sets if record_sets is not None else RecordSetVersions(models.cache)
        )
        #: checks the attachments a write names (none wired: every one is refused)
        self.attachments = attachments
        self.repo = RecordRepository(uow.session)
        self.rules = checks.RuleChecks(uow.session, self.repo, tree, seal)

    @property
    def tenant(self) -> TenantNode:
        if self.uow.scope is None:
            raise NotFound("not_found")
        return self.tree.node_by_id(self.uow.scope.acting_tenant_id)

    async def model(self) -> EffectiveModel:
        return await self.models.effective(self.uow.session, self.tree, self.tenant.code)

    @staticmethod
    def item_document(model: EffectiveModel, type_key: str) -> Document:
        """The item type's document; business forms are parts of applications, not records."""
        document = model.documents.get(type_key)
        if document is None or document.get("kind") != "item":
            raise TypeUnknown("records.type_unknown", type=type_key[:64])
        return document

    async def attached(
        self,
        node: TenantNode,
        type_key: str,
        document: Document,
        values: dict[str, Any],
        form: tuple[str, Document, dict[str, Any]] | None,
        *,
        before: tuple[dict[str, Any], dict[str, Any] | None] | None = None,
    ) -> tuple[dict[str, Any], dict[str, Any] | None]:
        """The record's values and its business form's (`form`: key, document, values) with
        every attachment value the server's (`attached`); what the record held `before`
        stays. Refusals raise together, each at its pointer."""
        old, old_form = before if before is not None else (None, None)
        parts = [("data", type_key, document, values, old)]
        if form is not None:
            parts.append(("form", *form, old_form))
        results: list[dict[str, Any]] = []
        problems: list[ErrorDetail] = []
        for part, key, doc, given, held in parts:
            out, refused = await attached.resolved(
                self.attachments,
                node.id,
                key,
                doc,
                given,
                part,
                owner_account_id=self.uow.account_id,
                kept=attached.held(doc, held),
                skip=platform_fields.platform_filled(doc),
            )
            results.append(out)
            problems += refused
        attached.raise_refusals(problems)
        return results[0], results[1] if form is not None else None

    async def _stored(self, type_key: str, record_id: int, viewer: Viewer) -> StoredRecord:
        found = await self.repo.get(self.tenant.id, record_id)
        if found is None or found.type_key != type_key or not viewer.admits(found.department):
            raise RecordNotFound("records.not_found", id=record_id, type_label=type_key)
        return found

    async def _touched(self, node: TenantNode, document: Document) -> None:
        """A record of a published type changed: its set's version moves in this unit."""
        if (document.get("publication") or {}).get("public") is True:
            await self.record_sets.touched(self.uow, [(node.id, document["key"])])

    def view(
        self,
        stored: StoredRecord,
        document: Document,
        model: EffectiveModel,
        *,
        reveal: bool,
    ) -> RecordView:
        form_doc = model.documents.get(stored.form_key) if stored.form_key else None
        data, form = stored.data, stored.form_data
        personal = "none"
        if stored.pii_sealed is not None:
            part = (
                self.seal.open(stored.tenant_id, stored.type_key, stored.pii_sealed)
                if reveal
                else (stored.pii_masked or {})
            )
            data = privacy.merge(data, part.get("data"))
            if form is not None:
                form = privacy.merge(form, part.get("form"))
            personal = "full" if reveal else "masked"
        return RecordView(
            tenant=self.tree.node_by_id(stored.tenant_id).code,
            id=stored.id,
            type=stored.type_key,
            status=stored.status,
            number=stored.number,
            department=stored.department,
            version=stored.version,
            effective_id=stored.effective_id,
            created_at=stored.created_at,
            created_by=stored.created_by,
            updated_at=stored.updated_at,
            updated_by=stored.updated_by,
            deleted_at=stored.deleted_at,
            deleted_by=stored.deleted_by,
            data=platform_fields.ordered(document, data),
            form_key=stored.form_key,
            form=platform_fields.ordered(form_doc, form) if form_doc and form is not None else form,
            personal=personal,
        )

    def values_of(self, stored: StoredRecord) -> tuple[dict[str, Any], dict[str, Any] | None]:
        """A stored record's values in full (personal data unsealed), for the platform only."""
        data, form = dict(stored.data), stored.form_data
        if stored.pii_sealed is not None:
            part = self.seal.open(stored.tenant_id, stored.type_key, stored.pii_sealed)
            data = privacy.merge(data, part.get("data"))
            if form is not None:
                form = privacy.merge(form, part.get("form"))
        return data, form
