"""What a record's write must pass before it is stored, and how its values are stored.

- `client_values`, `object_of`: what the client sent, refused if it fills the
  platform's fields or is not an object;
- `check`: every problem of the record and of its business form, listed together;
- `department_of`: the department a record belongs to;
- `sealed`: the columns of a record's values (clear data, sealed and masked
  personal data, blind indexes);
- `RuleChecks`: the item type's aggregate and unique rules, counted under
  advisory locks in the writer's transaction.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from yiwang.metadata.documents.errors import FormInvalid
from yiwang.metadata.documents.shapes import Document
from yiwang.metadata.generators.validation import record_validator
from yiwang.metadata.resolution.resolve import EffectiveModel
from yiwang.platform.errors import ErrorDetail
from yiwang.runtime.records import fields as platform_fields
from yiwang.runtime.records import privacy, rules
from yiwang.runtime.records.errors import BodyInvalid, PlatformFieldRefused, RuleBroken
from yiwang.runtime.records.expressions import kind_of
from yiwang.runtime.records.repository import RecordRepository, visible
from yiwang.tenants.tree import TenantNode, TenantTree


def _prefixed(details: Sequence[ErrorDetail], prefix: str) -> list[ErrorDetail]:
    return [ErrorDetail(d.code, prefix + (d.pointer or ""), d.params) for d in details]


def object_of(value: Any, part: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise BodyInvalid("records.data_not_object", pointer=f"/{part}", part=part)
    return value


def client_values(document: Document, value: Any, part: str) -> dict[str, Any]:
    values = object_of(value, part)
    refused = [
        ErrorDetail(
            "records.platform_filled",
            f"/{part}/{key}",
            {"label": document["fields"][key]["label"]},
        )
        for key in platform_fields.platform_filled(document)
        if key in values
    ]
    if refused:
        first = refused[0]
        raise PlatformFieldRefused(
            first.code, pointer=first.pointer, details=refused, **first.params
        )
    return dict(values)


def check(
    model: EffectiveModel,
    type_key: str,
    values: Mapping[str, Any],
    form_key: str | None,
    form: Mapping[str, Any] | None,
) -> None:
    """Every problem of the record and of its business form, listed together."""
    details: list[ErrorDetail] = []
    validator = record_validator(model, type_key)
    if not validator.is_valid(values):
        details += _prefixed(validator.errors(values), "/data")
    if form_key is not None:
        form_validator = record_validator(model, form_key)
        if not form_validator.is_valid(form or {}):
            details += _prefixed(form_validator.errors(form or {}), "/form")
    if details:
        first = details[0]
        raise FormInvalid(first.code, pointer=first.pointer, details=details, **first.params)


def department_of(document: Document, values: Mapping[str, Any], given: str | None) -> str | None:
    """The department field's value; for a type without one, what the caller gives."""
    key = platform_fields.department_field(document)
    if key is None:
        return given
    value = values.get(key)
    return value if isinstance(value, str) else None


def sealed(
    seal: privacy.PiiSeal,
    tenant_id: int,
    type_key: str,
    document: Document,
    values: Mapping[str, Any],
    form_doc: Document | None,
    form: Mapping[str, Any] | None,
) -> dict[str, Any]:
    """The columns of a record's values: clear data, sealed and masked personal data."""
    data = privacy.split(document, values)
    form_split = (
        privacy.split(form_doc, form) if form_doc is not None and form is not None else None
    )
    secret: dict[str, Any] = {}
    masked: dict[str, Any] = {}
    if data.secret:
        secret["data"], masked["data"] = data.secret, data.masked
    if form_split is not None and form_split.secret:
        secret["form"], masked["form"] = form_split.secret, form_split.masked
    index = {key: seal.blind_index(type_key, key, value) for key, value in data.lookup.items()}
    return {
        "data": data.plain,
        "form_data": form_split.plain if form_split is not None else None,
        "pii_sealed": seal.seal(tenant_id, type_key, secret) if secret else None,
        "pii_masked": masked or None,
        "pii_index": index or None,
    }


class RuleChecks:
    """The aggregate and unique rules a write enters, checked in the writer's transaction."""

    def __init__(
        self,
        session: AsyncSession,
        repo: RecordRepository,
        tree: TenantTree,
        seal: privacy.PiiSeal,
    ) -> None:
        self.session = session
        self.repo = repo
        self.tree = tree
        self.seal = seal

    async def enforce(
        self,
        node: TenantNode,
        type_key: str,
        document: Document,
        before: Mapping[str, Any] | None,
        after: Mapping[str, Any],
        record_id: int | None,
    ) -> None:
        entered = rules.entered(document, before, after)
        if not entered:
            return
        scopes = {g: self._rule_scope(node, type_key, g) for g in entered}
        await self.repo.lock([g.lock_key(scopes[g][0], type_key) for g in entered])
        broken: list[ErrorDetail] = []
        for group in entered:
            _, tenant_ids = scopes[group]
            async with visible(self.session, node.id, tenant_ids):
                members = await self.repo.group(
                    tenant_ids,
                    type_key,
                    self._typed(type_key, document, group.matches),
                    exclude_id=record_id,
                    with_data=group.where is not None,
                )
            count = rules.count_within(group, members)
            if count + 1 > group.limit:
                code = "records.rule_max" if group.kind == "aggregate" else "records.rule_unique"
                broken.append(
                    ErrorDetail(
                        code,
                        f"/rules/{group.rule}",
                        {
                            "rule": group.rule,
                            "rule_label": group.label,
                            "group": group.describe(document),
                            "count": count,
                            "limit": group.limit,
                        },
                    )
                )
        if broken:
            raise RuleBroken("records.rule_broken", details=broken, count=len(broken))

    def _typed(
        self, type_key: str, document: Document, matches: Sequence[tuple[str, Any]]
    ) -> list[tuple[str, str | None, Any]]:
        """Each grouping value with the kind it is read as (personal data by blind index)."""
        typed: list[tuple[str, str | None, Any]] = []
        for key, value in matches:
            kind = kind_of(document["fields"][key])
            if kind == "pii" and value is not None:
                value = self.seal.blind_index(type_key, key, value)
            typed.append((key, kind, value))
        return typed

    def _rule_scope(
        self, node: TenantNode, type_key: str, group: rules.Group
    ) -> tuple[int, tuple[int, ...]]:
        """Whose records a rule counts: the tenant's own, or its province's whole tree."""
        if group.scope == "subtree":
            root = self.tree.root_of(node.code)
            return root.id, self.tree.subtree_ids(root.code)
        return node.id, (node.id,)
