"""What a case may name of attachments: the files of its form data and of its actions.

A case's form data (the snapshot an application opens it with, the corrections of a
补正) keeps attachment values as the records room keeps them (`records.attached`): the
server's value of a verified upload of the tenant for that form's field by the writing
account; what the snapshot already held stays. An action's `attachments` (a 补正's
files, a reviewer's opinion) are keys of verified uploads for the case's form: the
applicant's own for the case's form for a 补正, any verified one of the tenant's for
staff (who read them all). The
check is the attachments room's, through `AttachmentKeys` (this room never imports
it); a service built without it refuses every attachment.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from yiwang.metadata.documents import pointers
from yiwang.metadata.documents.shapes import Document
from yiwang.platform.errors import ErrorDetail, InvalidInput
from yiwang.runtime.records.attached import AttachmentReferences, held, raise_refusals, resolved
from yiwang.runtime.records.errors import AttachmentUnchecked
from yiwang.runtime.records.fields import platform_filled


class AttachmentKeys(AttachmentReferences, Protocol):
    """The attachments room's checks (`attachments.references.References`)."""

    async def key_referenced(
        self, tenant_id: int, key: str, *, item_type: str | None, owner_account_id: int | None
    ) -> str:
        """`key`, when it names a verified upload for one of `item_type`'s fields (any);
        raises an `InvalidInput` naming why not."""
        ...


async def checked(
    references: AttachmentKeys | None,
    tenant_id: int,
    form_key: str,
    document: Document | None,
    *,
    owner_account_id: int | None,
    any_form: bool = False,
    data: Mapping[str, Any] | None = None,
    keys: Sequence[str] = (),
    before: Mapping[str, Any] | None = None,
) -> dict[str, Any] | None:
    """`data` with the server's attachment values (None when not given), once every key
    of `keys` and every file of `data` is one the writer may name; refusals raise
    together at `/data/...` and `/attachments/<index>`."""
    problems: list[ErrorDetail] = []
    for index, key in enumerate(keys):
        try:
            if references is None:
                raise AttachmentUnchecked("records.attachment_unchecked")
            await references.key_referenced(
                tenant_id,
                key,
                item_type=None if any_form else form_key,
                owner_account_id=owner_account_id,
            )
        except InvalidInput as refused:
            problems.append(
                ErrorDetail(refused.code, pointers.join("/attachments", index), refused.params)
            )
    out: dict[str, Any] | None = None
    if data is not None:
        assert document is not None, "form data is checked against its form"
        out, more = await resolved(
            references,
            tenant_id,
            form_key,
            document,
            data,
            "data",
            owner_account_id=owner_account_id,
            kept=held(document, before),
            skip=platform_filled(document),
        )
        problems += more
    raise_refusals(problems)
    return out
