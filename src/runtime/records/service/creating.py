"""Creating a record: the idempotency key claimed first (the same key and body get
the first answer, another body is refused), then validation, the platform's own
fields, the department, the aggregate rules, record and history in one statement,
the audit record and the kept answer.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from yiwang.metadata.documents.shapes import Document
from yiwang.metadata.resolution.resolve import EffectiveModel
from yiwang.runtime.records import checks
from yiwang.runtime.records import fields as platform_fields
from yiwang.runtime.records.changes import field_changes
from yiwang.runtime.records.errors import (
    BodyInvalid,
    IdempotencyMismatch,
    OtherDepartment,
    ServiceClosed,
)
from yiwang.runtime.records.idempotency import Claimed, request_hash
from yiwang.runtime.records.repository import StoredRecord
from yiwang.runtime.records.service.base import AUDIT_OBJECT, DEFAULT_STATUS, RecordBase
from yiwang.runtime.records.views import PLATFORM, Created, Viewer
from yiwang.tenants.tree import TenantNode


@dataclass(frozen=True)
class Prepared:
    """A create that passed its checks (the aggregate rules aside): its row without id
    and number, its history entry, and what its answer and audit record are made of."""

    node: TenantNode
    model: EffectiveModel
    document: Document
    values: dict[str, Any]
    row: dict[str, Any]
    changes: list[dict[str, Any]]


class RecordCreates(RecordBase):
    """Creates, each after its idempotency key (if any) is claimed."""

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
        ready = await self._prepare(
            type_key,
            data,
            form=form,
            form_key=form_key,
            filled=filled,
            status=status,
            number=number,
            department=department,
            viewer=viewer,
        )
        await self.rules.enforce(ready.node, type_key, ready.document, None, ready.values, None)
        stored = await self.repo.insert_with_history(
            {
                **ready.row,
                "id": record_id,
                "number": number or f"{ready.node.code}-{record_id}",
            },
            ready.changes,
        )
        return await self._finish(ready, stored, idempotency_key, remember=remember)

    async def _prepare(
        self,
        type_key: str,
        data: Any,
        *,
        form: Any,
        form_key: str | None,
        filled: Mapping[str, Any] | None,
        status: str,
        number: str | None,
        department: str | None,
        viewer: Viewer,
        model: EffectiveModel | None = None,
    ) -> Prepared:
        """A create checked (all but the aggregate rules) and its row ready, but for its id
        and number; refusals raise."""
        node = self.tenant
        model = model if model is not None else await self.model()
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
        form = (form_key, form_doc, form_values) if form_key and form_doc and form_values else None
        values, attached_form = await self.attached(node, type_key, document, values, form)
        form_values = attached_form if form is not None else form_values
        owner = checks.department_of(document, values, department)
        if not viewer.admits(owner):
            raise OtherDepartment(
                "records.other_department",
                pointer="/data",
                department=viewer.department or "",
                given=owner or "",
            )
        changes = field_changes(document, {}, values, "/data")
        if form_doc is not None and form_values is not None:
            changes += field_changes(form_doc, {}, form_values, "/form")
        effective_id = await self.effective_ids.of(
            self.uow, self.tree, self.models, node, model=model
        )
        row = {
            "tenant_id": node.id,
            "type_key": type_key,
            "status": status,
            "department": owner,
            "form_key": form_key,
            "effective_id": effective_id,
            "actor": self.uow.actor,
            **checks.sealed(self.seal, node.id, type_key, document, values, form_doc, form_values),
        }
        return Prepared(node, model, document, values, row, changes)

    async def _finish(
        self, ready: Prepared, stored: StoredRecord, idempotency_key: str | None, *, remember: bool
    ) -> Created:
        """A stored create: its record set's version, the audit record, the answer."""
        type_key = stored.type_key
        await self._touched(ready.node, ready.document)
        body = self.view(stored, ready.document, ready.model, reveal=False).as_dict()
        await self.uow.audit(
            action="record.create",
            object_type=AUDIT_OBJECT,
            object_id=f"{type_key}/{stored.id}",
            tenant_id=ready.node.id,
            detail={"type": type_key, "version": 1, "fields": sorted(ready.values)},
        )
        created = Created(body)
        if idempotency_key is not None and remember:
            await self.remember_answer(idempotency_key, created)
        return created

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
        replay = await self._replay(node, key, digest)
        return Claimed(claim.record_id, replay, claim.watched)

    async def _replay(self, node: TenantNode, key: str, digest: str) -> Created:
        """The first answer to `key`, which was used before: refused for another body."""
        answer = await self.repo.answer(node.id, self.uow.owner, key)
        if answer is None or answer.request_hash != digest or answer.response is None:
            raise IdempotencyMismatch(
                "records.idempotency_mismatch", pointer="/headers/idempotency-key"
            )
        return Created(answer.response, answer.status_code or 201, replayed=True)

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
