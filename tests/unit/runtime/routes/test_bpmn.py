"""The BPMN export of every route: well formed, flows consistent, every shape laid out."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest

from yiwang.runtime.routes.bpmn import BPMN, BPMNDI, DC, DI, gateway_ids, route_to_bpmn, task_id
from yiwang.runtime.routes.spec import RouteSpec

from .models import CHENGGUAN, LANZHOU, PROVINCE, every_route, route

NS = {"bpmn": BPMN, "bpmndi": BPMNDI, "dc": DC, "di": DI}
FLOW_NODES = ("startEvent", "endEvent", "userTask", "parallelGateway", "exclusiveGateway")


def _routes() -> list[RouteSpec]:
    return [*every_route(PROVINCE), *every_route(LANZHOU)]


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


@pytest.mark.parametrize("spec", _routes(), ids=lambda s: f"{s.document}.{s.key}.{s.version[:6]}")
def test_export_is_consistent_bpmn_with_a_diagram(spec: RouteSpec) -> None:
    root = ET.fromstring(route_to_bpmn(spec))
    assert _local(root.tag) == "definitions"
    (process,) = root.findall("bpmn:process", NS)
    nodes = {n.get("id"): n for n in process if _local(n.tag) in FLOW_NODES}
    flows = {f.get("id"): f for f in process.findall("bpmn:sequenceFlow", NS)}
    ids = [e.get("id") for e in root.iter() if e.get("id")]
    assert len(ids) == len(set(ids)), "ids are unique"
    # every flow joins two nodes, and each node lists exactly its flows
    for flow_id, flow in flows.items():
        source, target = nodes[flow.get("sourceRef")], nodes[flow.get("targetRef")]
        assert flow_id in [o.text for o in source.findall("bpmn:outgoing", NS)]
        assert flow_id in [i.text for i in target.findall("bpmn:incoming", NS)]
    for node_id, node in nodes.items():
        incoming = [i.text for i in node.findall("bpmn:incoming", NS)]
        outgoing = [o.text for o in node.findall("bpmn:outgoing", NS)]
        assert incoming == [f for f, e in flows.items() if e.get("targetRef") == node_id]
        assert outgoing == [f for f, e in flows.items() if e.get("sourceRef") == node_id]
        kind = _local(node.tag)
        if kind == "startEvent":
            assert (len(incoming), len(outgoing)) == (0, 1)
        elif kind == "endEvent":
            assert (len(incoming), len(outgoing)) == (1, 0)
        elif kind == "userTask":
            assert (len(incoming), len(outgoing)) == (1, 1)
        else:  # gateways either split or merge
            assert min(len(incoming), len(outgoing)) == 1 and max(len(incoming), len(outgoing)) >= 2
    assert [_local(n.tag) for n in nodes.values()].count("startEvent") == 1
    assert [_local(n.tag) for n in nodes.values()].count("endEvent") == 1
    # every step and branch is a task, every parallel or conditional step has its gateways
    for step in spec.steps:
        for task in step.tasks:
            assert nodes[task_id(task.key)].get("name") == task.label
        if step.parallel or step.when is not None:
            opening, closing = gateway_ids(step)
            expected = "parallelGateway" if step.parallel else "exclusiveGateway"
            assert _local(nodes[opening].tag) == _local(nodes[closing].tag) == expected
    # the diagram: one shape with bounds per node, one edge with waypoints per flow
    plane = root.find("bpmndi:BPMNDiagram/bpmndi:BPMNPlane", NS)
    assert plane is not None and plane.get("bpmnElement") == process.get("id")
    shapes = {s.get("bpmnElement"): s for s in plane.findall("bpmndi:BPMNShape", NS)}
    edges = {e.get("bpmnElement"): e for e in plane.findall("bpmndi:BPMNEdge", NS)}
    assert set(shapes) == set(nodes) and set(edges) == set(flows)
    for shape in shapes.values():
        bounds = shape.find("dc:Bounds", NS)
        assert bounds is not None
        x, y, w, h = (float(bounds.get(k) or "nan") for k in ("x", "y", "width", "height"))
        assert x >= 0 and y >= 0 and w > 0 and h > 0
    for flow_id, edge in edges.items():
        points = [
            (float(p.get("x") or 0), float(p.get("y") or 0))
            for p in edge.findall("di:waypoint", NS)
        ]
        assert len(points) >= 2
        # the edge starts on its source's shape and ends on its target's
        assert _on(points[0], shapes[flows[flow_id].get("sourceRef")])
        assert _on(points[-1], shapes[flows[flow_id].get("targetRef")])


def _on(point: tuple[float, float], shape: ET.Element) -> bool:
    bounds = shape.find("dc:Bounds", NS)
    assert bounds is not None
    x, y = float(bounds.get("x") or 0), float(bounds.get("y") or 0)
    w, h = float(bounds.get("width") or 0), float(bounds.get("height") or 0)
    return x <= point[0] <= x + w and y <= point[1] <= y + h


def test_lanzhou_export_shows_the_inserted_step_and_the_parallel_opinion() -> None:
    root = ET.fromstring(route_to_bpmn(route(CHENGGUAN, "food_business_license", "licensing")))
    process = root.find("bpmn:process", NS)
    assert process is not None
    tasks = [t.get("id") for t in process.findall("bpmn:userTask", NS)]
    assert tasks == [
        "Task_accept",
        "Task_review",
        "Task_x_lz_recheck",
        "Task_site_check",
        "Task_health_opinion",
        "Task_decide",
        "Task_issue",
    ]
    site = process.find("bpmn:userTask[@id='Task_site_check']", NS)
    assert site is not None
    loop = site.find("bpmn:multiInstanceLoopCharacteristics", NS)
    assert loop is not None
    assert loop.findtext("bpmn:loopCardinality", namespaces=NS) == "2"
    assert "inspector" in (site.findtext("bpmn:documentation", namespaces=NS) or "")
    health = process.find("bpmn:userTask[@id='Task_health_opinion']", NS)
    assert health is not None and health.find("bpmn:multiInstanceLoopCharacteristics", NS) is None


def test_a_conditional_step_has_its_condition_and_a_default_way_around() -> None:
    root = ET.fromstring(route_to_bpmn(route(PROVINCE, "fire_design_review", "review")))
    process = root.find("bpmn:process", NS)
    assert process is not None
    split = process.find("bpmn:exclusiveGateway[@id='Gateway_expert_review_split']", NS)
    assert split is not None
    flows = {f.get("id"): f for f in process.findall("bpmn:sequenceFlow", NS)}
    default = flows[split.get("default")]
    assert default.get("targetRef") == "Gateway_expert_review_merge"
    (conditional,) = [
        f for f in flows.values() if f.get("sourceRef") == split.get("id") and f is not default
    ]
    assert conditional.get("targetRef") == "Task_expert_review"
    expression = conditional.find("bpmn:conditionExpression", NS)
    assert expression is not None and expression.get("language") == "application/schema+json"
    assert json.loads(expression.text or "") == {
        "properties": {"needs_expert_review": {"const": True}},
        "required": ["needs_expert_review"],
    }
