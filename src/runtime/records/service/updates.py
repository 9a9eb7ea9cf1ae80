"""Changing a record made at a named version: update, soft delete and restore, each
with its history row, the record set's version and the audit record; a stale
version changes nothing (409 `records.stale`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from yiwang.runtime.records import checks
from yiwang.runtime.records import fields as platform_fields
from yiwang.runtime.records.changes import field_changes
from yiwang.runtime.records.errors import BodyInvalid, OtherDepartment, RecordDeleted, StaleVersion
from yiwang.runtime.records.repository import StoredRecord
from yiwang.runtime.records.service.base import AUDIT_OBJECT, RecordBase
from yiwang.runtime.records.views import PLATFORM, RecordView, Viewer


class RecordUpdates(RecordBase):
    """Changes of a record made at a named version."""

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
        form = (
            (stored.form_key, form_doc, form_values)
            if stored.form_key and form_doc is not None and form_values is not None
            else None
        )
        values, attached_form = await self.attached(
            node, type_key, document, values, form, before=(old, old_form)
        )
        form_values = attached_form if form is not None else form_values
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
