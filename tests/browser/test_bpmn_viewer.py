"""The BPMN export opens in a real BPMN viewer: bpmn-js (vendored) in Debian's chromium.

The page is built in memory with the vendored viewer inlined, and every
network request is refused, so the test proves the export needs nothing else.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from playwright.async_api import Browser, Route

import yiwang.runtime
from yiwang.runtime.routes.bpmn import gateway_ids, route_to_bpmn, task_id
from yiwang.runtime.routes.spec import RouteSpec

from ..unit.runtime.routes.models import CHENGGUAN, PROVINCE, route

VENDOR = Path(yiwang.runtime.__file__).parent / "static" / "vendor" / "bpmn-js-18.31.1"

PAGE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>办理流程</title>
<style>{css} html, body, #canvas {{ height: 100%; margin: 0; }}</style>
<script>{viewer}</script></head>
<body><div id="canvas"></div></body></html>"""

IMPORT = """async (xml) => {
  const viewer = new BpmnJS({ container: '#canvas' });
  try {
    const result = await viewer.importXML(xml);
    viewer.get('canvas').zoom('fit-viewport');
    const registry = viewer.get('elementRegistry');
    return {
      warnings: result.warnings.map((w) => w.message),
      shapes: registry.filter((e) => !e.waypoints && e.type !== 'label' && e.parent).map((e) => e.id),
      connections: registry.filter((e) => !!e.waypoints).length,
    };
  } catch (error) {
    return { error: String(error.message), warnings: (error.warnings || []).map((w) => w.message) };
  }
}"""

ROUTES = [
    (CHENGGUAN, "food_business_license", "licensing"),
    (PROVINCE, "fire_design_review", "review"),
    (CHENGGUAN, "subsistence_allowance", "confirmation"),
    (PROVINCE, "power_item", "list_review"),
]


def _page() -> str:
    css = (VENDOR / "assets" / "diagram-js.css").read_text(encoding="utf-8")
    css += (VENDOR / "assets" / "bpmn-js.css").read_text(encoding="utf-8")
    viewer = (VENDOR / "bpmn-viewer.production.min.js").read_text(encoding="utf-8")
    return PAGE.format(css=css, viewer=viewer.replace("</script", "<\\/script"))


def _expected_shapes(spec: RouteSpec) -> set[str]:
    ids = {"StartEvent_submit", "EndEvent_done"}
    for step in spec.steps:
        ids |= {task_id(t.key) for t in step.tasks}
        if step.parallel or step.when is not None:
            ids |= set(gateway_ids(step))
    return ids


@pytest.mark.browser
@pytest.mark.parametrize(("tenant", "document", "key"), ROUTES)
async def test_the_viewer_imports_and_draws_every_step(
    browser: Browser, tenant: str, document: str, key: str, tmp_path: Path
) -> None:
    spec = route(tenant, document, key)
    xml = route_to_bpmn(spec)
    page = await browser.new_page(viewport={"width": 1800, "height": 600})
    requests: list[str] = []

    async def refuse(request_route: Route) -> None:
        requests.append(request_route.request.url)
        await request_route.abort()

    try:
        await page.route("**/*", refuse)
        await page.set_content(_page())
        result = await page.evaluate(IMPORT, xml)
        assert "error" not in result, result
        assert result["warnings"] == []
        expected = _expected_shapes(spec)
        assert set(result["shapes"]) == expected
        assert result["connections"] == xml.count("<bpmn:sequenceFlow ")
        for element_id in sorted(expected):
            shape = page.locator(f'.djs-element.djs-shape[data-element-id="{element_id}"]')
            assert await shape.count() == 1, element_id
            box = await shape.bounding_box()
            assert box is not None and box["width"] > 0 and box["height"] > 0, element_id
        for task in (t for s in spec.steps for t in s.tasks):
            label = page.locator(f'.djs-element[data-element-id="{task_id(task.key)}"] text')
            drawn = await label.evaluate_all("(els) => els.map((e) => e.textContent).join('')")
            assert task.label in drawn
        await page.screenshot(path=str(tmp_path / f"{document}.png"))
        assert (tmp_path / f"{document}.png").stat().st_size > 10_000
        assert requests == [], json.dumps(requests)
    finally:
        await page.close()
