"""The citizen portal: each tenant's subsite pages, rendered on the server in Chinese.

A subsite's home shows only what the registry holds, so it is rendered once per
registry version and served as bytes until the next."""

from __future__ import annotations

from typing import Any

from litestar import MediaType, Request, Response, get
from litestar.exceptions import NotFoundException
from litestar.response import Template

from yiwang import __version__
from yiwang.platform.conditional import REVALIDATE, etag_for, matches, not_modified
from yiwang.tenants.directory import TenantDirectory
from yiwang.tenants.subsite import tenant_of
from yiwang.tenants.tree import TenantTree

LEVEL_NAMES = {"province": "省级", "prefecture": "市州", "county": "县区", "zone": "功能区"}


@get("/", opt={"public": True}, include_in_schema=False)
async def platform_home(tree: TenantTree) -> Template:
    children = {code: list(tree.children(code)) for code in tree.by_code}
    return Template(
        "portal_home.html",
        context={"roots": tree.roots, "children": children, "levels": LEVEL_NAMES},
    )


@get("/r/{code:str}/", opt={"public": True}, include_in_schema=False)
async def subsite_home(
    code: str,
    request: Request[Any, Any, Any],
    directory: TenantDirectory,
) -> Response[bytes]:
    """Everything on the page follows the registry version, and so does its ETag."""
    tenant = tenant_of(request.scope)
    if tenant is None or tenant.code != code:
        raise NotFoundException()
    etag = etag_for("subsite", __version__, directory.version, code)
    if matches(request, etag):
        return not_modified(etag)
    tree = directory.tree

    def render() -> bytes:
        template = request.app.template_engine.get_template("subsite_home.html")  # type: ignore[union-attr]
        html: str = template.render(
            tenant=tenant,
            level_name=LEVEL_NAMES.get(tenant.level, ""),
            ancestors=tree.ancestors(code),
            children=sorted(tree.children(code), key=lambda t: t.code),
            departments=directory.departments_of(code),
        )
        return html.encode()

    return Response(
        directory.memo(("subsite_home", code), render),
        media_type=MediaType.HTML,
        headers={"etag": etag, "cache-control": REVALIDATE},
    )
