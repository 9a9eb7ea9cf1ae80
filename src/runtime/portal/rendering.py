"""Drawing a subsite page: the region of the path, the reader's display preference and the
signed-in person, the shell's context, and the page as an HTML response."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response
from litestar.exceptions import NotFoundException

from yiwang.runtime.portal.shell import shell
from yiwang.runtime.portal.viewer import Viewer
from yiwang.runtime.web.display import COOKIE, Display, display_of
from yiwang.runtime.web.sign_in import here as here  # console.shell imports it from here
from yiwang.tenants.directory import TenantDirectory
from yiwang.tenants.subsite import tenant_of
from yiwang.tenants.tree import TenantNode


def region_of(request: Request[Any, Any, Any], code: str) -> TenantNode:
    """The open region the subsite resolver found for `code`; any other code is a 404."""
    tenant = tenant_of(request.scope)
    if tenant is None or tenant.code != code:
        raise NotFoundException()
    return tenant


def display(request: Request[Any, Any, Any]) -> Display:
    return display_of(request.cookies.get(COOKIE))


def render(request: Request[Any, Any, Any], name: str, **context: Any) -> str:
    template = request.app.template_engine.get_template(name)  # type: ignore[union-attr]
    html: str = template.render(**context)
    return html


def page(
    request: Request[Any, Any, Any],
    directory: TenantDirectory,
    tenant: TenantNode,
    name: str,
    *,
    viewer: Viewer | None = None,
    current: str | None = None,
    status: int = 200,
    **context: Any,
) -> Response[str]:
    """The template `name` in the region's layout, for this reader."""
    layout = shell(
        directory,
        tenant,
        path=here(request),
        display=display(request),
        current=current,
        viewer=viewer,
    )
    body = render(request, name, **layout, **context, tenant=tenant, here=request.url.path)
    return Response(
        body,
        status_code=status,
        media_type="text/html; charset=utf-8",
        headers={"vary": "Cookie"},
    )
