"""角色授权: who holds which role at this tenant, granting and revoking.

    GET  /console/t/{code}/admin/roles                 the grants at {code} (role read)
    POST /console/t/{code}/admin/roles/grants          grant (role grant, forms)
    POST /console/t/{code}/admin/roles/revocations     revoke (role grant, forms)

Through `PolicyAdmin` with the signed-in person as granter, as
`POST /api/v1/t/{code}/roles/grants|revocations` is: rank, reach, conflicts and the
separated duties are its rules, its audit records, its refusal messages.
"""

from __future__ import annotations

from typing import Any, Final
from urllib.parse import urlencode

from litestar import Request, Response, get, post
from litestar.handlers import HTTPRouteHandler
from litestar.response import Redirect

from yiwang.platform.errors import YiwangError
from yiwang.platform.i18n import translate
from yiwang.platform.unit_of_work import UnitOfWork
from yiwang.policy.guards import Access
from yiwang.policy.service import PolicyAdmin
from yiwang.runtime.console.admin.layout import (
    AdminPage,
    admin_url,
    attempt,
    bounded,
    need,
    refused_text,
)
from yiwang.runtime.console.staff import ConsoleParts

GRANT_FORM: Final = {"object": "role", "action": "grant", "forms": True}
LOGIN_MAX: Final = 128
KEY_MAX: Final = 64


def _choices(page: AdminPage) -> list[tuple[str, str]]:
    """The roles that may be granted at this tenant's level."""
    level = page.access.tenant.level
    return [
        (role.key, role.name)
        for role in page.console.catalogue.roles.values()
        if role.grantable and level in role.levels
    ]


async def _roles_page(
    page: AdminPage,
    policy_admin: PolicyAdmin,
    *,
    status: int = 200,
    errors: dict[str, str] | None = None,
    typed: dict[str, str] | None = None,
) -> Response[str]:
    here = page.access.tenant.path
    grants = [
        {**g, "revoke": translate("admin.roles.revoke", login=g["login"], role=g["role_name"])}
        for g in await policy_admin.list_grants(
            None, viewer=page.access.principal.subject, within=page.code
        )
        if g["path"] == here
    ]
    return page.render(
        "roles.html",
        "roles",
        status=status,
        grants=sorted(grants, key=lambda g: (g["login"], g["role"])),
        may_grant=page.may("role", "grant"),
        roles=_choices(page),
        errors=errors or {},
        typed=typed or {},
        grant_url=admin_url(page.code, "roles", "grants"),
        revoke_url=admin_url(page.code, "roles", "revocations"),
        done=_done(page),
    )


def _done(page: AdminPage) -> str | None:
    params = page.request.query_params
    done, login, role = params.get("done"), params.get("login", ""), params.get("role", "")
    found = page.console.catalogue.roles.get(role)
    if done not in ("granted", "revoked") or found is None or not login:
        return None
    return translate(f"admin.roles.{done}", login=login[:LOGIN_MAX], role=found.name)


@get("/roles", opt=need("roles"), include_in_schema=False)
async def roles_page(
    request: Request[Any, Any, Any],
    console: ConsoleParts,
    access: Access,
    policy_admin: PolicyAdmin,
) -> Response[str]:
    """The grants made at this tenant, and the grant form for those who may grant."""
    return await _roles_page(await AdminPage.of(request, console, access), policy_admin)


def _typed(form: dict[str, list[Any]]) -> dict[str, str]:
    def first(name: str, limit: int) -> str:
        return bounded((form.get(name) or [""])[0], limit)

    return {
        "login": first("login", LOGIN_MAX),
        "role": first("role", KEY_MAX),
        "subtree": "on" if first("subtree", 2) == "on" else "",
    }


async def _change(
    request: Request[Any, Any, Any],
    console: ConsoleParts,
    access: Access,
    uow: UnitOfWork,
    policy_admin: PolicyAdmin,
    kind: str,
) -> Response[Any]:
    page = await AdminPage.of(request, console, access)
    typed = _typed((await request.form()).dict())
    errors: dict[str, str] = {}
    if not typed["login"] or len(typed["login"]) > LOGIN_MAX:
        errors["login"] = translate("admin.roles.login_missing")
    if not typed["role"] or len(typed["role"]) > KEY_MAX:
        errors["role"] = translate("admin.roles.role_missing")
    if errors:
        return await _roles_page(page, policy_admin, status=422, errors=errors, typed=typed)
    asked = {
        "login": typed["login"],
        "role": typed["role"],
        "tenant_code": page.code,
        "granter": access.principal.subject,
    }
    done = await attempt(
        uow,
        policy_admin.grant(**asked, subtree=typed["subtree"] == "on")
        if kind == "granted"
        else policy_admin.revoke(**asked),
    )
    if isinstance(done, YiwangError):
        errors["form"] = refused_text(done)
        return await _roles_page(page, policy_admin, status=done.status, errors=errors, typed=typed)
    query = urlencode({"done": kind, "login": done["login"], "role": done["role"]})
    return Redirect(admin_url(page.code, "roles") + "?" + query, status_code=303)


def _change_route(path: str, kind: str, doc: str) -> HTTPRouteHandler:
    """The POST route of one change (grant or revoke), both through `_change`."""

    async def handler(
        request: Request[Any, Any, Any],
        console: ConsoleParts,
        access: Access,
        uow: UnitOfWork,
        policy_admin: PolicyAdmin,
    ) -> Response[Any]:
        return await _change(request, console, access, uow, policy_admin, kind)

    handler.__name__ = handler.__qualname__ = path.replace("/", "_")
    handler.__doc__ = doc
    return post(path, opt=GRANT_FORM, include_in_schema=False)(handler)


GRANT: Final = _change_route(
    "/roles/grants", "granted", "Grant a role here (`subtree`: to every tenant below too)."
)
REVOKE: Final = _change_route("/roles/revocations", "revoked", "Revoke a role granted here.")

ROUTES: Final = (roles_page, GRANT, REVOKE)
