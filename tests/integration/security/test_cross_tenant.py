"""Across the whole application: a user of one region reaches nothing of another.

Walks the real application's route table. Every route under a tenant code
that declares an object and action is called, with every method, as a staff
member holding broad rights in Jiayuguan (620200), against Chengguan (620102),
with Jiayuguan's id forged into headers, query and body. Each must answer 404:
not the object, not 403, not a validation error that reveals the route's shape.
"""

from __future__ import annotations

from litestar.routes import HTTPRoute

from tests.integration.http_client import client_for
from tests.integration.security.routes import fill
from tests.integration.stack import Stack
from tests.integration.staff import make_staff, sign_in
from yiwang.platform.settings import Settings
from yiwang.policy.guards import is_automatic_options


async def test_no_route_reaches_another_region(
    migrated: Settings, gansu: dict[str, int], services: Stack, cleanup: str
) -> None:
    login = f"jyg.{cleanup}"
    grants = [
        (role, "620200", True) for role in ("prefecture_operator", "security_admin", "dept_leader")
    ]
    secret = await make_staff(services, login, "620200", grants)
    forged = str(gansu["620200"])
    async with client_for(migrated) as client:
        headers = {
            **await sign_in(client, login, secret),
            "x-tenant-id": forged,
            "x-tenant": "620200",
        }
        checked, leaks = 0, []
        for route in client.app.routes:
            if not isinstance(route, HTTPRoute) or "{code:" not in route.path:
                continue
            for handler in route.route_handlers:
                if is_automatic_options(handler) or handler.opt.get("public"):
                    continue
                if handler.opt.get("authenticated") and "object" not in handler.opt:
                    continue  # the caller's own account pages (实名认证, 经办人): no region's data
                for method in handler.http_methods:
                    path = fill(route.path, "620102")
                    resp = await client.request(
                        method,
                        path,
                        headers=headers,
                        params={"tenant": "620200", "tenant_id": forged},
                        json={"tenant_id": gansu["620200"], "tenant": "620200"},
                    )
                    checked += 1
                    if resp.status_code != 404:
                        leaks.append(f"{method} {path} -> {resp.status_code} {resp.text[:120]}")
        assert checked >= 5
        assert not leaks, "\n".join(leaks)
