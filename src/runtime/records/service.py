"""Records of any item type, in the caller's unit of work: create, read, update, soft
delete, restore, history, and a citizen's application through the service item it names.

Every write is validated by the tenant's effective model (every error listed,
unknown fields refused), checked against the item type's aggregate and unique
rules under advisory locks, stored with its personal data sealed, written to
the record's history and audited in the same transaction. A change names the
version it was made from; a stale one changes nothing (409 `records.stale`).
A create may carry an `Idempotency-Key`: the key is claimed first, so the same
key and body get the first answer and the same key with another body is
refused. Fields the platform fills (`filled_by: platform`) come from the
caller (the route, the case engine), never from the client.

The service holds the operations; what they rest on lives beside it: `views`
(what callers see), `checks` (what a write must pass, and how values are
stored), `changes` (history entries), `idempotency`, `service_items` and
`effective_ids`. Their names are re-exported here for the callers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from yiwang.metadata.documents.shapes import Document
from yiwang.metadata.resolution.resolve import EffectiveModel
from yiwang.metadata.versions.model_cache import ModelCache
from yiwang.platform.errors import NotFound
from yiwang.platform.unit_of_work import UnitOfWork
from yiwang.runtime.record_sets.versions import RecordSetVersions
from yiwang.runtime.records import checks, privacy
from yiwang.runtime.records import fields as platform_fields
from yiwang.runtime.records.changes import field_changes
from yiwang.runtime.records.effective_ids import EffectiveIds
from yiwang.runtime.records.errors import (
    BodyInvalid,
    IdempotencyMismatch,
    OtherDepartment,
    RecordDeleted,
    RecordNotFound,
    ServiceClosed,
    ServiceUnknown,
    StaleVersion,
    TypeUnknown,
)
from yiwang.runtime.records.idempotency import Claimed, request_hash
from yiwang.runtime.records.repository import HistoryRow, RecordRepository, StoredRecord
from yiwang.runtime.records.service_items import (
    APPLICATION,
    SERVICE_IN_USE,
    SERVICE_ITEM,
    Applied,
    ServiceItem,
    ServiceItems,
)
from yiwang.runtime.records.views import (
    MASKED,
    PLATFORM,
    Created,
    HistoryEntry,
    RecordView,
    Viewer,
)
from yiwang.tenants.tree import TenantNode, TenantTree

AUDIT_OBJECT: Final = "record"
DEFAULT_STATUS: Final = "active"


@dataclass(frozen=True)
class GeneratedRecord:
    """A generated record ready to store: its id, values, business form and department."""

    id: int
    data: Mapping[str, Any]
    department: str | None = None
    form_key: str | None = None
    form: Mapping[str, Any] | None = None
    created_at: str | None = None


class RecordService:
    """Records of the unit's acting tenant."""

    def __init__(
        self,
        uow: UnitOfWork,
        tree: TenantTree,
        models: ModelCache,
        seal: privacy.PiiSeal,
        effective_ids: EffectiveIds,
        service_items: ServiceItems | None = None,
        record_sets: RecordSetVersions | None = None,
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
        self.repo = RecordRepository(uow.session)
        self.rules = checks.RuleChecks(uow.session, self.repo, tree, seal)

    # --- where and what -----------------------------------------------------------

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

    async def _stored(self, type_key: str, record_id: int, viewer: Viewer) -> StoredRecord:
        found = await self.repo.get(self.tenant.id, record_id)
        if found is None or found.type_key != type_key or not viewer.admits(found.department):
            raise RecordNotFound("records.not_found", id=record_id, type_label=type_key)
        return found

    async def _touched(self, node: TenantNode, document: Document) -> None:
        """A record of a published type changed: its set's version moves in this unit."""
        if (document.get("publication") or {}).get("public") is True:
            await self.record_sets.touched(self.uow, [(node.id, document["key"])])

    # --- reading ------------------------------------------------------------------

    async def get(self, type_key: str, record_id: int, *, viewer: Viewer = PLATFORM) -> RecordView:
        """One record; personal data in full only for a viewer who may see it (audited)."""
        model = await self.model()
        document = self.item_document(model, type_key)
        stored = await self._stored(type_key, record_id, viewer)
        view = self.view(stored, document, model, reveal=viewer.sees_pii)
        if view.personal == "full" and viewer is not PLATFORM:
            await self.audit_reveal([stored])
        return view

    async def history(
        self, type_key: str, record_id: int, *, viewer: Viewer = PLATFORM
    ) -> list[HistoryEntry]:
        model = await self.model()
        self.item_document(model, type_key)
        await self._stored(type_key, record_id, viewer)
        rows: list[HistoryRow] = await self.repo.history(self.tenant.id, record_id)
        return [HistoryEntry(r.id, r.version, r.action, r.actor, r.at, r.changes) for r in rows]

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

    async def audit_reveal(self, stored: Sequence[StoredRecord]) -> None:
        """Seeing personal data in full is on record: who, which records, when."""
        if not stored:
            return
        first = stored[0]
        await self.uow.audit(
            action="record.pii_revealed",
            object_type=AUDIT_OBJECT,
            object_id=f"{first.type_key}/{first.id}" if len(stored) == 1 else first.type_key,
            tenant_id=first.tenant_id,
            detail={"type": first.type_key, "ids": [s.id for s in stored]},
        )

    # --- creating -----------------------------------------------------------------

    async def create(
        self,
        type_key: str,
        data: Any,
        *,
        form: Any = None,
        form_key: str | None = None,
        filled: Mapping[str, Any] | None = None,
        idempotency_key: str | None = None,
        route: str | None = None,
        status: str = DEFAULT_STATUS,
        number: str | None = None,
        department: str | None = None,
        viewer: Viewer = PLATFORM,
        remember: bool = True,
    ) -> Created:
        """Create a record of `type_key` in the acting tenant.

        `data` (and `form`, the business form named by `form_key`) is what the
        client sent; `filled` is what the platform fills itself. With an
        `idempotency_key`, a repeat of the same request returns the first answer
        (stored here, or by the caller through `remember_answer` when `remember`
        is False).
        """
        node = self.tenant
        claim = await self._claim(node, idempotency_key, route or type_key, data, form)
        if claim.replay is not None:
            return claim.replay
        return await self._create_claimed(
            claim.record_id,
            type_key,
            data,
            form=form,
            form_key=form_key,
            filled=filled,
            idempotency_key=idempotency_key,
            status=status,
            number=number,
            department=department,
            viewer=viewer,
            remember=remember,
        )

    async def _create_claimed(
        self,
        record_id: int,
        type_key: str,
        data: Any,
        *,
        form: Any,
        form_key: str | None,
        filled: Mapping[str, Any] | None,
        idempotency_key: str | None,
        status: str,
        number: str | None,
        department: str | None,
        viewer: Viewer,
        remember: bool,
    ) -> Created:
        """The create after its id (and key) is claimed: check, store record and history in
        one statement, audit, and keep the answer. A refusal raises and the unit rolls back
        (the claim with it)."""
        node, model = self.tenant, await self.model()
        document = self.item_document(model, type_key)
        values = checks.client_values(document, data, "data")
        form_values: dict[str, Any] | None = None
        form_doc: Document | None = None
        if form_key is not None:
            form_doc = model.documents.get(form_key)
            if form_doc is None or form_doc.get("kind") != "form":
                raise ServiceClosed("records.form_unknown", form=form_key)
            form_values = checks.object_of(form, "form")
        elif form is not None:
            raise BodyInvalid(
                "records.form_unexpected", pointer="/form", type_label=document["label"]
            )
        expected = set(platform_fields.platform_filled(document))
        given = dict(filled or {})
        if not set(given) <= expected:
            raise ValueError(f"not platform-filled fields of {type_key}: {set(given) - expected}")
        required_filled = [k for k in expected if document["fields"][k].get("required")]
        if required_filled and not given:
            raise BodyInvalid(
                "records.created_elsewhere", pointer="/data", type_label=document["label"]
            )
        values.update({k: v for k, v in given.items() if v is not None})
        checks.check(model, type_key, values, form_key, form_values)
        owner = checks.department_of(document, values, department)
        if not viewer.admits(owner):
            raise OtherDepartment(
                "records.other_department",
                pointer="/data",
                department=viewer.department or "",
                given=owner or "",
            )
        await self.rules.enforce(node, type_key, document, None, values, None)
        changes = field_changes(document, {}, values, "/data")
        if form_doc is not None and form_values is not None:
            changes += field_changes(form_doc, {}, form_values, "/form")
        stored = await self.repo.insert_with_history(
            {
                "tenant_id": node.id,
                "id": record_id,
                "type_key": type_key,
                "status": status,
                "number": number or f"{node.code}-{record_id}",
                "department": owner,
                "form_key": form_key,
                "effective_id": await self.effective_ids.of(self.uow, self.tree, self.models, node),
                "actor": self.uow.actor,
                **checks.sealed(
                    self.seal, node.id, type_key, document, values, form_doc, form_values
                ),
            },
            changes,
        )
        await self._touched(node, document)
        body = self.view(stored, document, model, reveal=False).as_dict()
        await self.uow.audit(
            action="record.create",
            object_type=AUDIT_OBJECT,
            object_id=f"{type_key}/{stored.id}",
            tenant_id=node.id,
            detail={"type": type_key, "version": 1, "fields": sorted(values)},
        )
        created = Created(body)
        if idempotency_key is not None and remember:
            await self.remember_answer(idempotency_key, created)
        return created

    async def store_generated(
        self, type_key: str, items: Sequence[GeneratedRecord], *, validate: bool = False
    ) -> int:
        """Store generated records of `type_key` in bulk (`yiwang bench seed`).

        The generator has validated each one against this tenant's model and
        kept within its aggregate rules; personal data is sealed and masked as
        in `create`. No history rows, no audit record per row (the command
        audits the run), no idempotency answer.
        """
        node, model = self.tenant, await self.model()
        document = self.item_document(model, type_key)
        effective_id = await self.effective_ids.of(self.uow, self.tree, self.models, node)
        rows = []
        for item in items:
            form_doc = model.documents.get(item.form_key) if item.form_key else None
            if validate:
                checks.check(model, type_key, dict(item.data), item.form_key, item.form)
            rows.append(
                {
                    "tenant_id": node.id,
                    "id": item.id,
                    "type_key": type_key,
                    "status": DEFAULT_STATUS,
                    "number": f"{node.code}-{item.id}",
                    "department": item.department,
                    "form_key": item.form_key,
                    "effective_id": effective_id,
                    "actor": self.uow.actor,
                    "created_at": item.created_at,
                    **checks.sealed(
                        self.seal, node.id, type_key, document, item.data, form_doc, item.form
                    ),
                }
            )
        stored = await self.repo.insert_many(rows)
        if stored:
            await self._touched(node, document)
        return stored

    async def _claim(
        self,
        node: TenantNode,
        key: str | None,
        route: str,
        data: Any,
        form: Any,
        *,
        watch: int | None = None,
    ) -> Claimed:
        """A fresh id, or the first answer when `key` was used before with the same body;
        with `watch`, the live version of that record, read in the same statement."""
        if key is None:
            return Claimed(await self.repo.next_id(), None, None)
        digest = request_hash(route, {"data": data, "form": form})
        claim = await self.repo.claim(node.id, self.uow.owner, key, digest, watch=watch)
        if claim.won:
            return Claimed(claim.record_id, None, claim.watched)
        answer = await self.repo.answer(node.id, self.uow.owner, key)
        if answer is None or answer.request_hash != digest or answer.response is None:
            raise IdempotencyMismatch(
                "records.idempotency_mismatch", pointer="/headers/idempotency-key"
            )
        replay = Created(answer.response, answer.status_code or 201, replayed=True)
        return Claimed(claim.record_id, replay, claim.watched)

    async def _load_service_item(self, service_item_id: int) -> ServiceItem:
        """The service item as stored now (remembered for this process after commit)."""
        found = await self.repo.get(self.tenant.id, service_item_id)
        if found is None or found.type_key != SERVICE_ITEM or found.deleted_at is not None:
            raise ServiceUnknown("records.service_unknown")
        values, _ = self.values_of(found)
        item = ServiceItem(
            service_item_id,
            values.get("business_form"),
            found.department,
            values,
            found.version,
            found.tenant_id,
        )
        cache = self.service_items

        async def remember() -> None:
            cache.put(item)

        self.uow.after_commit(remember)
        return item

    async def _admit(self, item: ServiceItem, *, online: bool) -> ServiceItem:
        """`item` if it takes applications now (online: and is offered online)."""
        service = item.values
        name = str(service.get("task_name") or item.id)
        if service.get("task_state", SERVICE_IN_USE) != SERVICE_IN_USE:
            raise ServiceClosed("records.service_unknown")
        if online and service.get("is_online") is not True:
            raise ServiceClosed("records.service_not_online", name=name)
        if not isinstance(item.business_form, str):
            service_doc = self.item_document(await self.model(), SERVICE_ITEM)
            raise ServiceClosed(
                "records.service_incomplete",
                name=name,
                detail=service_doc["fields"]["business_form"]["label"],
            )
        return item

    async def service_item(self, service_item_id: int, *, online: bool) -> ServiceItem:
        """The service item an application is for, if it is open (online: and offered online)."""
        return await self._admit(await self._load_service_item(service_item_id), online=online)

    async def apply(
        self,
        service_item_id: int,
        data: Any,
        *,
        form: Any,
        channel: str,
        idempotency_key: str | None,
        online: bool,
    ) -> Created:
        """A citizen's (or a window clerk's) application for a service item of this tenant.

        The service item, its implementation code, its business form and the
        channel come from the route, never from the client; the application
        belongs to the service item's department.
        """
        applied = await self.apply_for(
            service_item_id,
            data,
            form=form,
            channel=channel,
            idempotency_key=idempotency_key,
            online=online,
        )
        return applied.created

    async def apply_for(
        self,
        service_item_id: int,
        data: Any,
        *,
        form: Any,
        channel: str,
        idempotency_key: str | None,
        online: bool,
        remember: bool = True,
    ) -> Applied:
        """The application record (see `apply`) and the service item it was made for;
        `remember=False` leaves the idempotent answer to the caller (`remember_answer`, or
        the statement opening its case: see `applications`),
        who adds to it (a replay has no item).

        The service item comes from this process's cache when the key's claim, which
        reads the item's live version in the same statement, says it is current;
        otherwise it is read again.
        """
        node = self.tenant
        route = f"services/{service_item_id}/applications"
        claim = await self._claim(node, idempotency_key, route, data, form, watch=service_item_id)
        if claim.replay is not None:
            return Applied(claim.replay, None)
        cached = self.service_items.get(node.id, service_item_id)
        fresh = (
            cached
            if cached is not None and claim.watched is not None and cached.version == claim.watched
            else await self._load_service_item(service_item_id)
        )
        item = await self._admit(fresh, online=online)
        assert item.business_form is not None
        model = await self.model()
        application = self.item_document(model, APPLICATION)
        filled = {
            "service_item": str(item.id),
            "business_form": item.business_form,
            "channel": channel,
            "task_code": item.values.get("task_code"),
        }
        created = await self._create_claimed(
            claim.record_id,
            APPLICATION,
            data,
            form=form,
            form_key=item.business_form,
            filled={k: v for k, v in filled.items() if k in application["fields"]},
            idempotency_key=idempotency_key,
            status="submitted",
            number=None,
            department=item.department,
            viewer=PLATFORM,
            remember=remember,
        )
        return Applied(created, item)

    async def remember_answer(self, idempotency_key: str, created: Created) -> None:
        """Keep `created` as the answer to `idempotency_key` (claimed by `create`)."""
        await self.repo.remember(
            self.tenant.id,
            self.uow.owner,
            idempotency_key,
            created.id,
            created.status_code,
            created.body,
        )

    # --- changing -----------------------------------------------------------------

    async def update(
        self,
        type_key: str,
        record_id: int,
        data: Any,
        *,
        expected_version: int,
        form: Any = None,
        filled: Mapping[str, Any] | None = None,
        status: str | None = None,
        viewer: Viewer = PLATFORM,
    ) -> RecordView:
        """Replace what the client may change of a record made at `expected_version`.

        `data=None` keeps the values (a status change by the platform); fields the
        platform fills keep their values unless `filled` gives new ones.
        """
        node, model = self.tenant, await self.model()
        document = self.item_document(model, type_key)
        stored = await self._stored(type_key, record_id, viewer)
        self._fresh(stored, expected_version)
        old, old_form = self.values_of(stored)
        if data is None:
            values = dict(old)
        else:
            values = checks.client_values(document, data, "data")
            for key in platform_fields.platform_filled(document):
                if key in old:
                    values[key] = old[key]
        for key, value in (filled or {}).items():
            if key not in platform_fields.platform_filled(document):
                raise ValueError(f"{key} is not a platform-filled field of {type_key}")
            values[key] = value
        form_doc = model.documents.get(stored.form_key) if stored.form_key else None
        if form is not None and form_doc is None:
            raise BodyInvalid(
                "records.form_unexpected", pointer="/form", type_label=document["label"]
            )
        form_values = checks.object_of(form, "form") if form is not None else old_form
        checks.check(model, type_key, values, stored.form_key, form_values)
        owner = checks.department_of(document, values, stored.department)
        if not viewer.admits(owner):
            raise OtherDepartment(
                "records.other_department",
                pointer="/data",
                department=viewer.department or "",
                given=owner or "",
            )
        changes = field_changes(document, old, values, "/data")
        if form_doc is not None:
            changes += field_changes(form_doc, old_form or {}, form_values or {}, "/form")
        new_status = status if status is not None else stored.status
        if not changes and new_status == stored.status:
            return self.view(stored, document, model, reveal=False)
        if new_status != stored.status:
            changes.append({"field": "status", "from": stored.status, "to": new_status})
        await self.rules.enforce(node, type_key, document, old, values, record_id)
        updated = await self.repo.replace(
            node.id,
            record_id,
            expected_version,
            {
                "status": new_status,
                "department": owner,
                "form_key": stored.form_key,
                "effective_id": await self.effective_ids.of(self.uow, self.tree, self.models, node),
                "actor": self.uow.actor,
                **checks.sealed(
                    self.seal, node.id, type_key, document, values, form_doc, form_values
                ),
            },
        )
        if updated is None:
            await self._raise_stale(record_id, expected_version)
        assert updated is not None
        await self.repo.add_history(
            node.id, record_id, updated.version, "update", self.uow.actor, changes
        )
        await self._touched(node, document)
        await self.uow.audit(
            action="record.update",
            object_type=AUDIT_OBJECT,
            object_id=f"{type_key}/{record_id}",
            tenant_id=node.id,
            detail={
                "type": type_key,
                "version": updated.version,
                "fields": [c["field"] for c in changes],
            },
        )
        return self.view(updated, document, model, reveal=False)

    async def delete(
        self, type_key: str, record_id: int, *, expected_version: int, viewer: Viewer = PLATFORM
    ) -> RecordView:
        """Soft-delete: the record leaves every list but stays, with its history."""
        return await self._mark(type_key, record_id, expected_version, viewer, deleted=True)

    async def restore(
        self, type_key: str, record_id: int, *, expected_version: int, viewer: Viewer = PLATFORM
    ) -> RecordView:
        """Undo a soft delete, if the item type's rules still admit the record."""
        return await self._mark(type_key, record_id, expected_version, viewer, deleted=False)

    async def _mark(
        self, type_key: str, record_id: int, expected_version: int, viewer: Viewer, *, deleted: bool
    ) -> RecordView:
        node, model = self.tenant, await self.model()
        document = self.item_document(model, type_key)
        stored = await self._stored(type_key, record_id, viewer)
        if deleted:
            self._fresh(stored, expected_version)
        else:
            if stored.deleted_at is None:
                raise RecordDeleted("records.not_deleted")
            if stored.version != expected_version:
                raise StaleVersion("records.stale", current=stored.version, given=expected_version)
            await self.rules.enforce(
                node, type_key, document, None, self.values_of(stored)[0], record_id
            )
        marked = await self.repo.mark_deleted(
            node.id, record_id, expected_version, self.uow.actor, deleted=deleted
        )
        if marked is None:
            await self._raise_stale(record_id, expected_version)
        assert marked is not None
        action = "delete" if deleted else "restore"
        await self.repo.add_history(node.id, record_id, marked.version, action, self.uow.actor, [])
        await self._touched(node, document)
        await self.uow.audit(
            action=f"record.{action}",
            object_type=AUDIT_OBJECT,
            object_id=f"{type_key}/{record_id}",
            tenant_id=node.id,
            detail={"type": type_key, "version": marked.version},
        )
        return self.view(marked, document, model, reveal=False)

    @staticmethod
    def _fresh(stored: StoredRecord, expected_version: int) -> None:
        if stored.deleted_at is not None:
            raise RecordDeleted("records.deleted")
        if stored.version != expected_version:
            raise StaleVersion("records.stale", current=stored.version, given=expected_version)

    async def _raise_stale(self, record_id: int, expected_version: int) -> None:
        """Someone wrote between our read and our write: say what the record is at now."""
        current = await self.repo.get(self.tenant.id, record_id)
        if current is not None and current.deleted_at is not None:
            raise RecordDeleted("records.deleted")
        raise StaleVersion(
            "records.stale",
            current=current.version if current else expected_version,
            given=expected_version,
        )


__all__ = [
    "APPLICATION",
    "AUDIT_OBJECT",
    "DEFAULT_STATUS",
    "MASKED",
    "PLATFORM",
    "SERVICE_IN_USE",
    "SERVICE_ITEM",
    "Applied",
    "Claimed",
    "Created",
    "EffectiveIds",
    "GeneratedRecord",
    "HistoryEntry",
    "RecordService",
    "RecordView",
    "ServiceItem",
    "ServiceItems",
    "Viewer",
    "request_hash",
]
