"""地区: the tenant's subtree with each tenant's state, and suspending and resuming one.

    GET  /console/t/{code}/admin/tenants                  the subtree (tenant read)
    GET  /console/t/{code}/admin/lifecycle/suspend|resume  the confirmation step (tenant write)
    POST /console/t/{code}/admin/lifecycle/suspend|resume  suspend or resume {code} (write, forms)

The change is made at the tenant it changes, as `POST /api/v1/t/{code}/suspend|resume`
is: the guard decides at that tenant, `Lifecycle.change` refuses and audits the same way,
and its refusal is shown on the confirmation page. `from` names the list to go back to.
"""

from __future__ import annotations

from typing import Any, Final

from litestar import Request, Response, get, post
from litestar.handlers import HTTPRouteHandler
from litestar.response import Redirect

from yiwang.platform.errors import YiwangError
from yiwang.platform.i18n import translate
from yiwang.platform.unit_of_work import UnitOfWork
from yiwang.policy.guards import Access
from yiwang.runtime.console.admin.layout import (
    AdminPage,
    admin_url,
    attempt,
    bounded,
    need,
    refused_text,
)
from yiwang.runtime.console.staff import ConsoleParts
from yiwang.tenants.lifecycle import Lifecycle, takes_own_out
from yiwang.tenants.tree import TenantNode

#: the lifecycle steps these pages offer, by the status they start from
OFFERED: Final = {"active": "suspend", "suspended": "resume"}
REASON_MAX: Final = 500
WRITE: Final = {"object": "tenant", "action": "write"}
WRITE_FORM: Final = {**WRITE, "forms": True}


def lifecycle_url(code: str, action: str, back: str) -> str:
    return admin_url(code, "lifecycle", action) + f"?from={back}"


def _back(page: AdminPage, raw: Any) -> str:
    """The list to return to: the code given when it is this tenant or one above it."""
    chain = {n.code for n in page.console.directory.tree.chain(page.code)}
    return raw if isinstance(raw, str) and raw in chain else page.code


@get("/tenants", opt=need("tenants"), include_in_schema=False)
async def tenants_page(
    request: Request[Any, Any, Any], console: ConsoleParts, access: Access
) -> Response[str]:
    """This tenant and every tenant below it, with its state and what may be done (never
    taking the person's own tenant, or one above it, out of service: `takes_own_out`)."""
    page = await AdminPage.of(request, console, access)
    tree = console.directory.tree
    nodes = [tree.node(page.code), *tree.descendants(page.code)]
    home = tree.by_id.get(access.principal.home_tenant_id or 0)
    rows = [
        {
            "code": n.code,
            "name": n.name,
            "depth": len(n.codes) - len(access.tenant.codes),
            "level": console.catalogue.levels.get(n.level, n.level),
            "status": n.status,
            "status_label": translate(f"admin.status.{n.status}"),
            "action": _offered(page, n, home),
        }
        for n in nodes
    ]
    for row in rows:
        if row["action"]:
            row["label"] = translate(f"admin.tenants.{row['action']}", name=row["name"])
            row["url"] = lifecycle_url(str(row["code"]), str(row["action"]), page.code)
    return page.render("tenants.html", "tenants", rows=rows, done=_done(page))


def _offered(page: AdminPage, node: TenantNode, home: TenantNode | None) -> str | None:
    """The lifecycle step the list offers on `node`'s row, if the person may take it."""
    action = OFFERED.get(node.status)
    if action is None or not page.may("tenant", "write", node.path):
        return None
    return None if takes_own_out(action, node.path, home) else action


def _done(page: AdminPage) -> str | None:
    params = page.request.query_params
    action, target = params.get("done"), page.console.directory.tree.get(params.get("target", ""))
    if action not in OFFERED.values() or target is None:
        return None
    return translate(f"admin.lifecycle.done.{action}", name=target.name)


def _confirm_page(
    page: AdminPage,
    action: str,
    back: str,
    *,
    status: int = 200,
    errors: dict[str, str] | None = None,
    reason: str = "",
) -> Response[str]:
    tenant: TenantNode = page.access.tenant
    return page.render(
        "lifecycle.html",
        "tenants",
        status=status,
        action=action,
        title=translate(f"admin.lifecycle.{action}.title", name=tenant.name),
        explain=translate(f"admin.lifecycle.{action}.explain", name=tenant.name),
        confirm_label=translate(
            "admin.lifecycle.confirm",
            action=translate(f"admin.lifecycle.verb.{action}"),
            name=tenant.name,
        ),
        reason_max=REASON_MAX,
        reason=reason,
        errors=errors or {},
        back=back,
        back_url=admin_url(back, "tenants"),
        post_url=admin_url(page.code, "lifecycle", action),
    )


async def _confirm(
    request: Request[Any, Any, Any], console: ConsoleParts, access: Access, action: str
) -> Response[str]:
    page = await AdminPage.of(request, console, access)
    return _confirm_page(page, action, _back(page, request.query_params.get("from")))


async def _change(
    request: Request[Any, Any, Any],
    console: ConsoleParts,
    access: Access,
    uow: UnitOfWork,
    lifecycle: Lifecycle,
    action: str,
) -> Response[Any]:
    page = await AdminPage.of(request, console, access)
    form = (await request.form()).dict()
    back = _back(page, (form.get("from") or [None])[0])
    reason = bounded((form.get("reason") or [""])[0], REASON_MAX)
    confirmed = (form.get("confirm") or [""])[0] == "on"
    if len(reason) > REASON_MAX:
        label = translate("admin.lifecycle.reason")
        errors = {"reason": translate("admin.text_too_long", label=label, max=REASON_MAX)}
        return _confirm_page(page, action, back, status=422, errors=errors, reason=reason)
    if not confirmed:
        errors = {"confirm": translate("admin.lifecycle.confirm_required")}
        return _confirm_page(page, action, back, status=422, errors=errors, reason=reason)
    done = await attempt(uow, lifecycle.change(page.code, action, reason=reason or None))
    if isinstance(done, YiwangError):
        errors = {"form": refused_text(done)}
        return _confirm_page(page, action, back, status=done.status, errors=errors, reason=reason)
    return Redirect(
        admin_url(back, "tenants") + f"?done={action}&target={page.code}", status_code=303
    )


def _routes(action: str) -> tuple[HTTPRouteHandler, HTTPRouteHandler]:
    """The confirmation page (GET) and the change (POST) of one lifecycle step."""

    async def confirm(
        request: Request[Any, Any, Any], console: ConsoleParts, access: Access
    ) -> Response[str]:
        return await _confirm(request, console, access, action)

    async def change(
        request: Request[Any, Any, Any],
        console: ConsoleParts,
        access: Access,
        uow: UnitOfWork,
        lifecycle: Lifecycle,
    ) -> Response[Any]:
        return await _change(request, console, access, uow, lifecycle, action)

    confirm.__name__ = confirm.__qualname__ = f"confirm_{action}"
    change.__name__ = change.__qualname__ = action
    path = f"/lifecycle/{action}"
    return (
        get(path, opt=WRITE, include_in_schema=False)(confirm),
        post(path, opt=WRITE_FORM, include_in_schema=False)(change),
    )


ROUTES: Final = (tenants_page, *_routes("suspend"), *_routes("resume"))
