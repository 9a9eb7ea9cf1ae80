"""An error as a page in the site's layout: what a browser gets instead of JSON.

The kernel's error handlers and the subsite resolver call `ErrorPages.render`
with the status and the error body they would send as JSON; the page says what
happened in Chinese, offers a way on (the region's home, or sign-in after a
401) and never shows a traceback: a 500 shows its request number only.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Final
from urllib.parse import quote

from jinja2 import Environment

from yiwang.platform.i18n import translate
from yiwang.tenants.subsite import tenant_of
from yiwang.tenants.tree import TenantNode

TITLED: Final = frozenset({401, 403, 404, 500, 503})
#: where a 401 page sends the reader, with `next=` the page they wanted
SIGN_IN_PATH: Final = "/r/{code}/signin"
#: the layout's context for a scope and the region it is for (None: no open region)
Shell = Callable[[Mapping[str, Any], TenantNode | None], dict[str, Any]]


class ErrorPages:
    """Draws error pages with the app's environment; the region comes from the scope."""

    def __init__(self, env: Environment, shell: Shell) -> None:
        self.env = env
        self.shell = shell

    def render(
        self,
        scope: Mapping[str, Any],
        status: int,
        body: Mapping[str, Any],
        tenant: TenantNode | None = None,
    ) -> str:
        tenant = tenant or tenant_of(dict(scope))
        open_region = tenant if tenant is not None and tenant.status == "active" else None
        path = str(scope.get("path") or "/")
        sign_in = None
        if status == 401 and open_region is not None:
            sign_in = SIGN_IN_PATH.format(code=open_region.code) + "?next=" + quote(path, safe="/")
        context: dict[str, Any] = {
            **self.shell(scope, open_region),
            "status": status,
            "title": translate(f"web.error.{status}" if status in TITLED else "web.error.other"),
            "message": str(body.get("message") or ""),
            "request_id": body.get("request_id") if status >= 500 else None,
            "sign_in": sign_in,
            "tenant": open_region,
            "home": f"/r/{open_region.code}/" if open_region is not None else "/",
        }
        return self.env.get_template("error.html").render(**context)
