"""Reading a tenant's metadata: its effective model and what is generated from it
(item types, record schemas, OpenAPI components, citizen forms), its history, and
its export in the exchange format. Nothing here writes but the effective model's id
beside records, made on first use."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from yiwang.metadata.documents.shapes import Document
from yiwang.metadata.generators.descriptors import EncodedDescriptor, encoded_citizen_form
from yiwang.metadata.generators.draft07 import to_draft07
from yiwang.metadata.generators.openapi import openapi_components
from yiwang.metadata.generators.record_schema import record_schema
from yiwang.metadata.versions.model_cache import ModelCache
from yiwang.metadata.versions.models import MetadataVersion
from yiwang.metadata.versions.repository import MetadataRepository
from yiwang.metadata.versions.service.base import EXCHANGE_FORMAT, ServiceBase
from yiwang.platform.errors import NotFound
from yiwang.tenants.tree import TenantTree


async def effective_version_id(
    session: AsyncSession, tree: TenantTree, models: ModelCache, code: str
) -> int:
    """The id of `code`'s effective model as stored beside records (made on first use)."""
    model = await models.effective(session, tree, code)
    chain = await models.chain(session, tree, code)
    return await MetadataRepository(session).effective_id(
        tree.node(code).id, model.content_hash, [ref.as_dict() for ref in chain]
    )


class Reads(ServiceBase):
    """A tenant's metadata as it is served."""

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
