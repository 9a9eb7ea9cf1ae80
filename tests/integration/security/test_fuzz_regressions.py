"""What the OpenAPI fuzz run (`test_fuzz_openapi.py`) found, each kept with its exact input.

1. `POST /api/v1/t/{code}/services/{service_item_id}/applications` without an
   `Idempotency-Key` answered 428, which the operation did not document (the
   citizen's run, `curl -X POST .../t/620122/services/1/applications`). The
   routes that insist on `Idempotency-Key` or `If-Match` now declare their 428.
"""

from __future__ import annotations

from pathlib import Path

from tests.integration.http_client import client_for
from tests.integration.security.people import phone_for, sign_in_citizen
from tests.integration.stack import Stack
from yiwang.platform.settings import Settings
from yiwang.tenants.tree import TenantTree

APPLICATIONS = "/api/v1/t/{code}/services/{service_item_id}/applications"


async def test_an_application_without_idempotency_key_is_a_documented_428(
    migrated: Settings, installed: TenantTree, services: Stack, cleanup: str, tmp_path: Path
) -> None:
    async with client_for(migrated, var_dir=tmp_path) as client:
        citizen = await sign_in_citizen(client, tmp_path, phone_for(cleanup, 5))
        client.cookies.clear()
        resp = await client.post("/api/v1/t/620122/services/1/applications", headers=citizen)
        schema = (await client.get("/schema/openapi.json")).json()
    assert resp.status_code == 428, resp.text
    assert resp.json()["error"]["code"] == "records.idempotency_key_required"
    documented = schema["paths"][APPLICATIONS]["post"]["responses"]["428"]
    ref = documented["content"]["application/json"]["schema"]["$ref"]
    assert ref.endswith("/ErrorResponse"), documented
    # every route that refuses a missing precondition header documents it
    for path, method in (
        ("/api/v1/t/{code}/records/{type_key}", "post"),
        ("/api/v1/t/{code}/records/{type_key}/{record_id}", "put"),
        ("/api/v1/t/{code}/records/{type_key}/{record_id}", "delete"),
        ("/api/v1/t/{code}/records/{type_key}/{record_id}/restore", "post"),
    ):
        assert "428" in schema["paths"][path][method]["responses"], (method, path)
