"""The metadata API over HTTP: guard, drafts in YAML or JSON, publishing, public forms."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.integration.stack import Stack
from tests.integration.staff import make_staff, sign_in
from yiwang.app import Platform, build_platform, create_app
from yiwang.metadata.documents import sources
from yiwang.platform.settings import Settings
from yiwang.policy.identity.passwords import HashingParameters, PasswordHashing
from yiwang.tenants.tree import TenantTree

from .test_versions import COUNTY

TEMPLATES = Path(__file__).resolve().parents[3] / "tenant_templates"

DRAFT_YAML = """\
tenant: "620103"
label: 七里河区扩展
documents:
  food_business_license:
    routes:
      licensing:
        promised_days: 7
"""


@pytest.fixture
async def app(
    migrated: Settings, installed: TenantTree
) -> AsyncIterator[tuple[Litestar, Platform]]:
    platform = build_platform(
        migrated, hashing=PasswordHashing(HashingParameters.for_tests()), policy_poll_seconds=0.2
    )
    yield create_app(platform=platform), platform


async def _signed_in(
    client: AsyncTestClient[Litestar], services: Stack, platform: Platform, tag: str
) -> dict[str, str]:
    login = f"meta.{tag}"
    secret = await make_staff(services, login, COUNTY, [("county_operator", COUNTY, False)])
    async with asyncio.timeout(2):
        while platform.policy.sync.holder.version < services.sync.holder.version:  # noqa: ASYNC110
            await asyncio.sleep(0.01)
    return await sign_in(client, login, secret)


async def test_public_citizen_forms_need_no_login(app: Any) -> None:
    litestar_app, _ = app
    async with AsyncTestClient(app=litestar_app) as client:
        resp = await client.get("/api/v1/t/620102/forms/food_business_license/apply")
        assert resp.status_code == 200, resp.text
        body = resp.json()
        assert body["schema"]["additionalProperties"] is False
        assert body["schema_draft07"]["$schema"] == "http://json-schema.org/draft-07/schema#"
        assert body["ui_schema"]["ui:order"][0] == "operator_name"
        assert body["uischema"]["type"] == "VerticalLayout"
        staff_form = await client.get("/api/v1/t/620102/forms/service_item/compile")
        assert staff_form.status_code == 404
        assert (await client.get("/api/v1/t/620102/metadata/types")).status_code == 401


async def test_a_county_edits_validates_previews_and_publishes_its_overlay(
    app: Any, services: Stack, cleanup: str, restore: None
) -> None:
    litestar_app, policy = app
    async with AsyncTestClient(app=litestar_app) as client:
        auth = await _signed_in(client, services, policy, cleanup)
        base = f"/api/v1/t/{COUNTY}/metadata"
        types = await client.get(f"{base}/types", headers=auth)
        assert types.status_code == 200
        assert {"key": "service_item", "kind": "item", "label": "政务服务事项"} in types.json()
        resp = await client.get(f"{base}/types/service_item", headers=auth)
        assert "x_lz_hotline_code" in resp.json()["fields"]

        dup = await client.put(
            f"{base}/draft",
            content=b'{"tenant": "620103", "tenant": "620103"}',
            headers={**auth, "content-type": "application/json"},
        )
        assert dup.status_code == 422
        # the edge refuses a repeated key in any JSON body, before the handler parses it
        assert (dup.json()["error"]["code"], dup.json()["error"]["pointer"]) == (
            "request.duplicate_key",
            "/tenant",
        )

        saved = await client.put(
            f"{base}/draft",
            content=DRAFT_YAML.encode(),
            headers={**auth, "content-type": "application/yaml"},
        )
        assert saved.status_code == 200 and saved.json() == {"valid": True, "errors": []}
        diff = await client.get(f"{base}/draft/diff", headers=auth)
        assert [c["pointer"] for c in diff.json()] == [
            "/documents/food_business_license/routes/licensing/promised_days"
        ]
        impact = await client.get(f"{base}/draft/impact", headers=auth)
        assert impact.json()["conflicts"] == {}
        published = await client.post(f"{base}/publish", headers=auth, params={"note": "压缩"})
        assert published.status_code == 200, published.text
        assert published.json()["number"] == 1
        versions = await client.get(f"{base}/versions", headers=auth)
        assert [(v["number"], v["status"], v["note"]) for v in versions.json()] == [
            (1, "current", "压缩")
        ]
        food = await client.get(f"{base}/types/food_business_license", headers=auth)
        assert food.json()["routes"]["licensing"]["promised_days"] == 7
        exported = await client.get(f"{base}/export", headers=auth)
        assert exported.json()["content"]["label"] == "七里河区扩展"

        other = await client.get("/api/v1/t/620102/metadata/types", headers=auth)
        assert other.status_code == 404


async def test_refused_changes_answer_with_codes_and_pointers(
    app: Any, services: Stack, cleanup: str, restore: None
) -> None:
    litestar_app, policy = app
    async with AsyncTestClient(app=litestar_app) as client:
        auth = await _signed_in(client, services, policy, cleanup)
        base = f"/api/v1/t/{COUNTY}/metadata"
        bad = {
            "tenant": COUNTY,
            "documents": {
                "food_business_license": {"routes": {"licensing": {"remove": ["issue"]}}}
            },
        }
        saved = await client.put(f"{base}/draft", json=bad, headers=auth)
        assert saved.json()["errors"] == [
            {
                "code": "metadata.overlay.mandatory_step_dropped",
                "pointer": "/documents/food_business_license/routes/licensing/remove/0",
                "message": "不能删除或取消必经环节“issue”。",
            }
        ]
        refused = await client.post(f"{base}/publish", headers=auth)
        assert refused.status_code == 422
        assert refused.json()["error"]["code"] == "metadata.overlay.mandatory_step_dropped"
        versions = await client.get(f"{base}/versions", headers=auth)
        assert versions.json() == []


async def test_a_form_served_from_the_database_keeps_the_templates_order(app: Any) -> None:
    """PostgreSQL's jsonb sorts keys; the stored documents keep the YAML's order."""
    written = sources.load_file(TEMPLATES / "base" / "forms" / "subsistence_allowance.yaml")
    columns = list(written["fields"]["members"]["columns"])
    assert columns[:2] == ["member_name", "member_id_number"]  # not alphabetical
    litestar_app, _ = app
    async with AsyncTestClient(app=litestar_app) as client:
        resp = await client.get("/api/v1/t/620102/forms/subsistence_allowance/apply")
    body = resp.json()
    assert body["ui_schema"]["members"]["items"]["ui:order"] == columns
    served = body["uischema"]
    assert list(body["schema_draft07"]["properties"]["members"]["items"]["properties"]) == columns
    assert served["type"] == "VerticalLayout"


async def test_descriptors_are_revalidated_by_their_version(
    app: Any, services: Stack, cleanup: str, restore: None
) -> None:
    litestar_app, platform = app
    path = f"/api/v1/t/{COUNTY}/forms/food_business_license/apply"
    async with AsyncTestClient(app=litestar_app) as client:
        first = await client.get(path)
        etag = first.headers["etag"]
        again = await client.get(path, headers={"if-none-match": etag})
        assert (again.status_code, again.content) == (304, b"")
        assert (await client.get(path, headers={"if-none-match": '"other"'})).status_code == 200
        auth = await _signed_in(client, services, platform, cleanup)
        await client.put(
            f"/api/v1/t/{COUNTY}/metadata/draft",
            content=DRAFT_YAML.encode(),
            headers={**auth, "content-type": "application/yaml"},
        )
        assert (
            await client.post(f"/api/v1/t/{COUNTY}/metadata/publish", headers=auth)
        ).status_code == 200
        changed = await client.get(path, headers={"if-none-match": etag})
        assert changed.status_code == 200 and changed.headers["etag"] != etag
        assert changed.json()["content_hash"] != first.json()["content_hash"]
