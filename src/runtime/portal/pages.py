"""The citizen portal: each region's subsite pages, rendered on the server in Chinese.

    GET /                              the platform's region chooser
    GET /r/{code}/                     a subsite's home (per registry version, ETag)
    GET /r/{code}/regions              the region switch: every region, by the tree
    GET /r/{code}/display?set=..       large text / plain reading (cookie), then back
    GET /r/{code}/services             service guides: by theme, type, department,
                                       audience, life event, and one search box over
                                       the region and the levels above it
    GET /r/{code}/services/{id}        one service guide, every public element, printable
    GET /r/{code}/open                 阳光政务: the region's public lists
    GET /r/{code}/open/{type}          one public list, with filters, search and paging
                                       (its export: `list_export`)

Every page works without JavaScript; htmx, where it is loaded, only swaps the
results of a filter or search in place (the server answers the same page).
A subsite's home shows only what the registry holds, so it is rendered once per
registry version and display preference, and served as bytes until the next.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final
from urllib.parse import urlencode

from litestar import MediaType, Request, Response, get
from litestar.exceptions import NotFoundException
from litestar.response import Redirect, Template

from yiwang import __version__
from yiwang.platform.conditional import Prepared, etag_for
from yiwang.platform.tenant_context import TenantScope
from yiwang.runtime.portal.page_cache import PortalPage
from yiwang.runtime.portal.rendering import display, page, region_of, render
from yiwang.runtime.portal.service import OPEN_LISTS, SERVICE_ITEM, chain_of
from yiwang.runtime.portal.shell import shell
from yiwang.runtime.portal.viewer import PublicSite
from yiwang.runtime.records.service import RecordService
from yiwang.runtime.web.display import COOKIE, MAX_AGE, safe_back
from yiwang.tenants.directory import TenantDirectory
from yiwang.tenants.tree import TenantTree

LEVEL_NAMES = {"province": "省级", "prefecture": "市州", "county": "县区", "zone": "功能区"}
PUBLIC: Final = {"public": True}
#: 行政审批: the ten kinds of administrative power; 便民服务: public services
AREAS: Final[Mapping[str, tuple[str, str]]] = {
    "approval": ("filter.task_type.in", "01,02,03,04,05,06,07,08,09,10"),
    "convenience": ("filter.task_type", "20"),
}
#: what a page passes on to the list: its filters, the search and the cursor
PASSED: Final = ("q", "cursor", "limit")
#: browsing by department: the department key of the guide (`department`)
DEPARTMENT: Final = "filter.department"


def list_params(query: Mapping[str, Sequence[str]], allowed: Sequence[str]) -> dict[str, list[str]]:
    """Only the parameters the page knows go on to the list (a bad value is its 422)."""
    passed: dict[str, list[str]] = {}
    for key, values in query.items():
        if key in PASSED or key in allowed:
            first = [v for v in values if v != ""][:1]
            if first:
                passed[key] = first
    return passed


def pager_url(path: str, params: Mapping[str, Sequence[str]], cursor: str | None) -> str | None:
    if cursor is None:
        return None
    kept = [(k, v[0]) for k, v in params.items() if k != "cursor" and v]
    return f"{path}?{urlencode([*kept, ('cursor', cursor)])}"


def export_urls(path: str, params: Mapping[str, Sequence[str]]) -> list[tuple[str, str]]:
    """(format, address) of the list's export with the filters and search shown."""
    kept = [(k, v) for k, values in params.items() if k not in ("cursor", "limit") for v in values]
    return [(f, f"{path}/export?" + urlencode([*kept, ("format", f)])) for f in ("xlsx", "csv")]


@get("/", opt=PUBLIC, include_in_schema=False)
async def platform_home(
    tree: TenantTree, request: Request[Any, Any, Any], directory: TenantDirectory
) -> Template:
    children = {code: list(tree.children(code)) for code in tree.by_code}
    layout = shell(directory, None, path="/", display=display(request))
    return Template(
        "portal_home.html",
        context={**layout, "roots": tree.roots, "children": children, "levels": LEVEL_NAMES},
    )


@get("/r/{code:str}/", opt=PUBLIC, include_in_schema=False)
async def subsite_home(
    code: str,
    request: Request[Any, Any, Any],
    site: PublicSite,
) -> Prepared:
    """For a visitor, everything on the page follows the registry version and the display
    preference, and so does its ETag: the page is kept as a prepared response. A signed-in
    person's page names them, drawn afresh."""
    tenant = region_of(request, code)
    shown = display(request)
    viewer = await site.viewer(request)
    directory = site.directory
    tree = directory.tree

    def draw() -> bytes:
        layout = shell(
            directory, tenant, path=f"/r/{code}/", display=shown, current="home", viewer=viewer
        )
        html = render(
            request,
            "subsite_home.html",
            **layout,
            tenant=tenant,
            level_name=LEVEL_NAMES.get(tenant.level, ""),
            ancestors=tree.ancestors(code),
            children=sorted(tree.children(code), key=lambda t: t.code),
            departments=directory.departments_of(code),
            chain=[tenant, *reversed(tree.ancestors(code))],
        )
        return html.encode()

    if viewer is not None:
        return Prepared(draw(), None, MediaType.HTML, _VARY_COOKIE)
    version = directory.version

    def prepare() -> Prepared:
        etag = etag_for("subsite", __version__, version, code, shown.cookie)
        return Prepared(draw(), etag, MediaType.HTML, _VARY_COOKIE)

    return directory.memo(("subsite_home", code, shown.cookie), prepare).answer(request)


_VARY_COOKIE: Final = (("vary", "Cookie"),)


@get("/r/{code:str}/regions", opt=PUBLIC, include_in_schema=False)
async def regions(code: str, request: Request[Any, Any, Any], site: PublicSite) -> Response[str]:
    """Every region, by the tree: a list of links that needs no script."""
    tenant = region_of(request, code)
    directory = site.directory
    viewer = await site.viewer(request)
    tree = directory.tree
    root = tree.root_of(code)
    children = {c: sorted(tree.children(c), key=lambda t: t.code) for c in tree.by_code}
    return page(
        request, directory, tenant, "regions.html", viewer=viewer, root=root, children=children
    )


@get("/r/{code:str}/display", opt=PUBLIC, include_in_schema=False)
async def set_display(code: str, request: Request[Any, Any, Any]) -> Redirect:
    """Apply one setting (`large`, `standard_size`, `plain`, `rich`) and go back."""
    region_of(request, code)
    chosen = display(request).with_setting(request.query_params.get("set", ""))
    back = safe_back(request.query_params.get("back"), f"/r/{code}/")
    response = Redirect(back, status_code=303)
    response.set_cookie(
        COOKIE, chosen.cookie, max_age=MAX_AGE, path="/", httponly=True, samesite="lax"
    )
    return response


@get("/r/{code:str}/services", opt=PUBLIC, include_in_schema=False)
async def services(
    code: str, request: Request[Any, Any, Any], portal_page: PortalPage
) -> Response[bytes]:
    """Service guides of the region and the levels above it, filtered and searched."""
    tenant = region_of(request, code)
    viewer = await portal_page.viewer(request)
    directory = portal_page.directory
    chain = chain_of(directory.tree, code)

    async def draw() -> bytes:
        portal = portal_page.reads()
        query = {k: request.query_params.getall(k) for k in request.query_params}
        document = await portal.document(code, SERVICE_ITEM)
        view_key = str(document["publication"]["list"])
        filters = await portal.filters(code, SERVICE_ITEM, query, view_key)
        params = list_params(query, [DEPARTMENT, *(f.param for f in filters)])
        area = (query.get("theme") or [""])[0]
        if area in AREAS and AREAS[area][0] not in params and "filter.task_type" not in params:
            params[AREAS[area][0]] = [AREAS[area][1]]
        listing = await portal.services(code, params)
        context = {
            "filters": filters,
            "departments": directory.departments_of(code),
            "department": (query.get(DEPARTMENT) or [""])[0],
            "area": area if area in AREAS else "",
            "q": (query.get("q") or [""])[0],
            "listing": listing,
            "next_url": pager_url(request.url.path, {**query, **params}, listing.next_cursor),
            "first_url": request.url.path if "cursor" in params else None,
            "scope_names": "、".join(n.name for n in chain),
        }
        if request.headers.get("hx-request") == "true":
            return render(request, "service_results.html", **context, tenant=tenant).encode()
        drawn = page(
            request,
            directory,
            tenant,
            "services.html",
            viewer=viewer,
            current=area or None,
            **context,
        )
        return str(drawn.content).encode()

    return await portal_page.serve(
        request,
        scope=TenantScope(chain[0].id, tuple(n.id for n in chain)),
        type_key=SERVICE_ITEM,
        model=await portal_page.model(code),
        render=draw,
        personal=viewer is not None,
    )


@get("/r/{code:str}/services/{item_id:int}", opt=PUBLIC, include_in_schema=False)
async def service_guide(
    code: str, item_id: int, request: Request[Any, Any, Any], portal_page: PortalPage
) -> Response[bytes]:
    """One guide: every public element, in the sections it is compiled in."""
    tenant = region_of(request, code)
    viewer = await portal_page.viewer(request)
    directory = portal_page.directory
    chain = chain_of(directory.tree, code)

    async def draw() -> bytes:
        guide = await portal_page.reads().guide(code, item_id)
        apply_url = f"/r/{guide.home.code}/services/{item_id}/apply" if guide.online else None
        drawn = page(
            request,
            directory,
            tenant,
            "service_guide.html",
            viewer=viewer,
            guide=guide,
            apply_url=apply_url,
        )
        return str(drawn.content).encode()

    return await portal_page.serve(
        request,
        scope=TenantScope(chain[0].id, tuple(n.id for n in chain)),
        type_key=SERVICE_ITEM,
        model=await portal_page.model(code),
        render=draw,
        personal=viewer is not None,
    )


@get("/r/{code:str}/open", opt=PUBLIC, include_in_schema=False)
async def open_lists(
    code: str, request: Request[Any, Any, Any], portal_page: PortalPage
) -> Response[str]:
    """阳光政务: the lists this region publishes."""
    tenant = region_of(request, code)
    directory = portal_page.directory
    viewer = await portal_page.viewer(request)
    model = await portal_page.model(code)
    published = []
    for key in OPEN_LISTS:
        document = model.documents.get(key)
        if document and (document.get("publication") or {}).get("public") is True:
            label = document["publication"].get("section_label") or document["label"]
            published.append((key, label, document.get("description", "")))
    return page(
        request,
        directory,
        tenant,
        "open.html",
        viewer=viewer,
        current="open",
        published=published,
    )


@get("/r/{code:str}/open/{type_key:str}", opt=PUBLIC, include_in_schema=False)
async def public_list(
    code: str, type_key: str, request: Request[Any, Any, Any], portal_page: PortalPage
) -> Response[bytes]:
    """One public list of the region: its public view's filters, search and paging."""
    tenant = region_of(request, code)
    viewer = await portal_page.viewer(request)
    if type_key not in OPEN_LISTS:
        raise NotFoundException()
    directory = portal_page.directory
    model = await portal_page.model(code)
    publication = RecordService.item_document(model, type_key).get("publication") or {}
    view_key = publication.get("list")
    if publication.get("public") is not True or not isinstance(view_key, str):
        raise NotFoundException()

    async def draw() -> bytes:
        portal = portal_page.reads()
        query = {k: request.query_params.getall(k) for k in request.query_params}
        filters = await portal.filters(code, type_key, query, view_key)
        params = list_params(query, [f.param for f in filters])
        listing = await portal.listing(code, type_key, params)
        context = {
            "type_key": type_key,
            "filters": filters,
            "q": (query.get("q") or [""])[0],
            "listing": listing,
            "next_url": pager_url(request.url.path, params, listing.next_cursor),
            "first_url": request.url.path if "cursor" in params else None,
            "exports": export_urls(request.url.path, params),
        }
        if request.headers.get("hx-request") == "true":
            return render(request, "list_results.html", **context, tenant=tenant).encode()
        drawn = page(
            request, directory, tenant, "public_list.html", viewer=viewer, current="open", **context
        )
        return str(drawn.content).encode()

    return await portal_page.serve(
        request,
        scope=TenantScope.single(tenant.id),
        type_key=type_key,
        model=model,
        render=draw,
        personal=viewer is not None,
    )


ROUTES: Final = (
    platform_home,
    subsite_home,
    regions,
    set_display,
    services,
    service_guide,
    open_lists,
    public_list,
)
