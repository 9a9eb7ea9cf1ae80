"""A citizen's (or a window clerk's) application through the service item it names:
the item (from this process's cache while its live version matches), whether it
takes applications, and the application record with the fields the route fills.
With a cached item the application is checked first, then claim, record and history
are one statement.
"""

from __future__ import annotations

from typing import Any

from yiwang.metadata.resolution.resolve import EffectiveModel
from yiwang.platform.errors import YiwangError
from yiwang.runtime.records import rules
from yiwang.runtime.records.errors import ServiceClosed, ServiceUnknown
from yiwang.runtime.records.idempotency import request_hash
from yiwang.runtime.records.service.creating import RecordCreates
from yiwang.runtime.records.service_items import (
    APPLICATION,
    SERVICE_IN_USE,
    SERVICE_ITEM,
    Applied,
    ServiceItem,
)
from yiwang.runtime.records.views import PLATFORM, Created


class RecordApplications(RecordCreates):
    """Applications: the service item they are for, then a create of its record."""

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
        otherwise it is read again. With a cached item and a key, the claim also
        writes the record and its history (`_apply_in_one`).
        """
        node = self.tenant
        route = f"services/{service_item_id}/applications"
        cached = self.service_items.get(node.id, service_item_id)
        if cached is not None and idempotency_key is not None:
            applied = await self._apply_in_one(
                cached, route, data, form, channel, idempotency_key, online, remember
            )
            if applied is not None:
                return applied
        claim = await self._claim(node, idempotency_key, route, data, form, watch=service_item_id)
        if claim.replay is not None:
            return Applied(claim.replay, None)
        fresh = (
            cached
            if cached is not None and claim.watched is not None and cached.version == claim.watched
            else await self._load_service_item(service_item_id)
        )
        return await self._apply_claimed(
            claim.record_id, fresh, data, form, channel, idempotency_key, online, remember
        )

    async def _apply_claimed(
        self,
        record_id: int,
        fresh: ServiceItem,
        data: Any,
        form: Any,
        channel: str,
        idempotency_key: str | None,
        online: bool,
        remember: bool,
    ) -> Applied:
        """The application after its key is claimed, for the service item as it is now."""
        item = await self._admit(fresh, online=online)
        model = await self.model()
        created = await self._create_claimed(
            record_id,
            APPLICATION,
            data,
            form=form,
            form_key=item.business_form,
            filled=self._filled(model, item, channel),
            idempotency_key=idempotency_key,
            status="submitted",
            number=None,
            department=item.department,
            viewer=PLATFORM,
            remember=remember,
        )
        return Applied(created, item, model)

    async def _apply_in_one(
        self,
        cached: ServiceItem,
        route: str,
        data: Any,
        form: Any,
        channel: str,
        idempotency_key: str,
        online: bool,
        remember: bool,
    ) -> Applied | None:
        """The usual application in one statement fewer: checked first against the cached
        service item, then claim, record and history written together, the record only
        if the key is new and the item is still at the cached version.

        None when this way does not apply: a refusal (the claimed way raises it again,
        after the key, so a repeat of an earlier request still gets its first answer) or
        rules the application enters (they are counted under locks after the claim).
        """
        try:
            item = await self._admit(cached, online=online)
            model = await self.model()
            ready = await self._prepare(
                APPLICATION,
                data,
                form=form,
                form_key=item.business_form,
                filled=self._filled(model, item, channel),
                status="submitted",
                number=None,
                department=item.department,
                viewer=PLATFORM,
                model=model,
            )
        except (YiwangError, ValueError):
            return None
        if rules.entered(ready.document, None, ready.values):
            return None
        node = ready.node
        digest = request_hash(route, {"data": data, "form": form})
        claim, stored = await self.repo.claim_and_insert(
            ready.row,
            ready.changes,
            owner=self.uow.owner,
            key=idempotency_key,
            request_hash=digest,
            watch=item.id,
            expected=item.version,
            prefix=f"{node.code}-",
        )
        if not claim.won:
            return Applied(await self._replay(node, idempotency_key, digest), None)
        if stored is None:  # the service item changed since it was cached
            fresh = await self._load_service_item(item.id)
            return await self._apply_claimed(
                claim.record_id, fresh, data, form, channel, idempotency_key, online, remember
            )
        created = await self._finish(ready, stored, idempotency_key, remember=remember)
        return Applied(created, item, ready.model)

    def _filled(self, model: EffectiveModel, item: ServiceItem, channel: str) -> dict[str, Any]:
        """What the platform fills in an application for `item` through `channel`."""
        application = self.item_document(model, APPLICATION)
        filled = {
            "service_item": str(item.id),
            "business_form": item.business_form,
            "channel": channel,
            "task_code": item.values.get("task_code"),
        }
        return {k: v for k, v in filled.items() if k in application["fields"]}
