"""What a record may name: the stored value of an attachment a write refers to.

`References` is what the records and cases rooms are handed (their ports,
`records.attached.AttachmentReferences` and `cases.attached.AttachmentKeys`), bound to
the writer's unit of work: it reads the attachment row only (row-level security keeps
another tenant's key unknown), never the object store.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Final

from yiwang.platform.i18n import translate
from yiwang.platform.unit_of_work import UnitOfWork
from yiwang.runtime.attachments.errors import ReferenceInvalid
from yiwang.runtime.attachments.models import Attachment
from yiwang.runtime.attachments.repository import AttachmentRepository
from yiwang.runtime.attachments.values import AttachmentValue, value_of

#: what an attachment's key looks like (`models.object_key`); anything else is unknown
KEY: Final = re.compile(r"t/[0-9]{1,18}/attachments/[0-9a-f]{32}")


class References:
    """Attachment references checked in one unit of work."""

    def __init__(self, uow: UnitOfWork) -> None:
        self.repo = AttachmentRepository(uow.session)

    async def referenced(
        self,
        tenant_id: int,
        value: Mapping[str, Any],
        *,
        item_type: str,
        field: str,
        owner_account_id: int | None,
    ) -> AttachmentValue:
        """The stored value a record should keep for `value` (an attachment field's value):
        a verified attachment of `tenant_id`, uploaded for `item_type`'s `field`, by
        `owner_account_id` when given (a person's own uploads), within the field's
        limits. The server's measurements replace whatever the client sent."""
        key = value.get("key")
        found = await self._usable(tenant_id, key, owner_account_id)
        if (found.item_type, found.field) != (item_type, field):
            raise _reference("other_field")
        return _measured(found)

    async def key_referenced(
        self, tenant_id: int, key: str, *, item_type: str | None, owner_account_id: int | None
    ) -> str:
        """`key` itself, when it names a verified attachment of `tenant_id` uploaded for
        one of `item_type`'s fields (when given) by `owner_account_id` (when given): what
        a case's action may carry (a 补正's files, staff's materials)."""
        found = await self._usable(tenant_id, key, owner_account_id)
        if item_type is not None and found.item_type != item_type:
            raise _reference("other_field")
        return _measured(found).key

    async def _usable(
        self, tenant_id: int, key: object, owner_account_id: int | None
    ) -> Attachment:
        well_formed = isinstance(key, str) and KEY.fullmatch(key) is not None
        found = await self.repo.by_key(tenant_id, str(key)) if well_formed else None
        if found is None:
            raise _reference("unknown")
        if found.status != "verified":
            raise _reference("unverified")
        if owner_account_id is not None and found.owner_account_id != owner_account_id:
            raise _reference("not_owner")
        return found


def _measured(found: Attachment) -> AttachmentValue:
    verified = value_of(found)
    assert verified is not None
    if verified.size > found.max_size or verified.content_type not in found.accept:
        raise _reference("limits")
    return verified


def _reference(reason: str) -> ReferenceInvalid:
    return ReferenceInvalid(
        "attachments.reference_invalid",
        pointer="/key",
        detail=translate(f"attachments.reference.{reason}"),
    )
