"""The API description is served at /schema, to anyone, and names every API route."""

from __future__ import annotations

from tests.integration.http_client import client_for
from yiwang.platform.settings import Settings


async def test_openapi_document_is_public(migrated: Settings, gansu: dict[str, int]) -> None:
    async with client_for(migrated) as client:
        resp = await client.get("/schema/openapi.json")
        page = await client.get("/schema")
    assert resp.status_code == 200, resp.text
    doc = resp.json()
    assert doc["openapi"].startswith("3.1")
    assert "/api/v1/t/{code}/onboard" in doc["paths"]
    assert "/api/v1/auth/login" in doc["paths"]
    assert any("/metadata" in p for p in doc["paths"])
    assert page.status_code == 200
