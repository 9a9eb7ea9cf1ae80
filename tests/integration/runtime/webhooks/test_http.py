"""The webhooks API over HTTP: the system administrator creates (the secret once), lists
(never a secret), rotates and disables; an operator of the tenant without the permission
is refused; bad URLs and kinds get their pointer; every change is audited."""

from __future__ import annotations

import asyncio
from typing import Any

import psycopg
from litestar.testing import AsyncTestClient

from tests.integration.stack import Stack
from tests.integration.staff import make_staff, sign_in
from yiwang.app import build_platform, create_app
from yiwang.platform.settings import Settings
from yiwang.policy.identity.passwords import HashingParameters, PasswordHashing
from yiwang.tenants.tree import TenantTree

BASE = "/api/v1/t/620102/webhooks"


async def test_the_system_administrator_manages_a_tenants_subscribers(
    migrated: Settings,
    installed: TenantTree,
    services: Stack,
    cleanup: str,
    own_subscribers: str,
    admin_sql: psycopg.Connection,
) -> None:
    tag = cleanup
    platform = build_platform(
        migrated, hashing=PasswordHashing(HashingParameters.for_tests()), policy_poll_seconds=0.2
    )
    admin_secret = await make_staff(
        services, f"admin-{tag}", "620000", [("system_admin", "620000", True)]
    )
    operator_secret = await make_staff(
        services, f"op.{tag}", "620100", [("prefecture_operator", "620100", True)]
    )
    async with AsyncTestClient(app=create_app(platform=platform)) as client:
        async with asyncio.timeout(3):
            while platform.policy.sync.holder.version < services.sync.holder.version:  # noqa: ASYNC110
                await asyncio.sleep(0.01)
        admin = await sign_in(client, f"admin-{tag}", admin_secret)
        client.cookies.clear()
        operator = await sign_in(client, f"op.{tag}", operator_secret)
        client.cookies.clear()

        async def call(method: str, path: str, who: dict[str, str], body: Any = None) -> Any:
            return await client.request(method, BASE + path, headers=who, json=body)

        made = await call("POST", "", admin, {"url": "http://127.0.0.1:9/h", "kinds": ["case.*"]})
        assert made.status_code == 201, made.text
        created = made.json()
        assert created["secret"].startswith("whsec_") and created["active"] is True
        assert created["created_by"] == f"admin-{tag}"
        listed = await call("GET", "", admin)
        assert listed.status_code == 200
        mine = [s for s in listed.json() if s["id"] == created["id"]]
        assert len(mine) == 1 and "secret" not in mine[0] and "secret_sealed" not in mine[0]
        assert created["secret"] not in listed.text
        sealed = admin_sql.execute(
            "SELECT secret_sealed FROM webhook_subscribers WHERE id = %s", (created["id"],)
        ).fetchone()
        assert sealed is not None and created["secret"] not in sealed[0]

        rotated = await call("POST", f"/{created['id']}/secret", admin)
        assert rotated.status_code == 200, rotated.text
        assert rotated.json()["secret"].startswith("whsec_")
        assert rotated.json()["secret"] != created["secret"]
        off = await call("POST", f"/{created['id']}/disable", admin)
        assert off.status_code == 200 and off.json() == {"id": created["id"], "active": False}
        again = await call("POST", f"/{created['id']}/secret", admin)
        assert (again.status_code, again.json()["error"]["code"]) == (409, "webhooks.disabled")
        missing = await call("POST", "/00000000-0000-0000-0000-000000000001/disable", admin)
        assert (missing.status_code, missing.json()["error"]["code"]) == (
            404,
            "webhooks.not_found",
        )

        bad = {
            "ftp://x.cn/": ("webhooks.url_invalid", "/url"),
            "http://10.0.0.1/h": ("webhooks.url_private", "/url"),
        }
        for url, (code, pointer) in bad.items():
            resp = await call("POST", "", admin, {"url": url, "kinds": ["case.*"]})
            assert resp.status_code == 422, resp.text
            assert (resp.json()["error"]["code"], resp.json()["error"]["pointer"]) == (
                code,
                pointer,
            )
        resp = await call("POST", "", admin, {"url": "http://127.0.0.1:9/", "kinds": ["x.y"]})
        assert (resp.status_code, resp.json()["error"]["pointer"]) == (422, "/kinds/0")
        # hostile shapes: a clear refusal each, never a 5xx
        hostile = {
            "http://[::1": "webhooks.url_invalid",
            "http://exa mple.cn/": "webhooks.url_invalid",
            # the edge refuses a control character in any body, before the handler
            "http://\u0000/": "request.control_character",
            "http://例子.测试/": "webhooks.url_unresolvable",
            "http://[::ffff:169.254.169.254]/": "webhooks.url_private",
            "https://" + "a" * 70 + ".invalid/": "webhooks.url_unresolvable",
        }
        for url, code in hostile.items():
            resp = await call("POST", "", admin, {"url": url, "kinds": ["case.*"]})
            assert (resp.status_code, resp.json()["error"]["code"]) == (422, code), url

        # an operator of the prefecture (a role there, not this permission) is refused
        for method, path in (
            ("GET", ""),
            ("POST", ""),
            ("POST", f"/{created['id']}/disable"),
            ("POST", f"/{created['id']}/secret"),
        ):
            resp = await call(method, path, operator, {"url": "http://127.0.0.1:9/", "kinds": []})
            assert (resp.status_code, resp.json()["error"]["code"]) == (403, "auth.forbidden")

    actions = admin_sql.execute(
        "SELECT action FROM audit_log WHERE object_id = %s ORDER BY seq", (created["id"],)
    ).fetchall()
    assert [a for (a,) in actions] == ["webhook.create", "webhook.rotate_secret", "webhook.disable"]
