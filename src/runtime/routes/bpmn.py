"""Any route as BPMN 2.0 XML with its diagram, so a standard modeler shows it as it is.

The process runs left to right from a start event (the application) to an
end event (办结). A plain step is a user task; a conditional step sits
between an exclusive split (its `when`, as JSON Schema) and a merge with a
default flow around it; a parallel step is a parallel fork, one user task per
branch, and a parallel join. Tasks decided by several people (会签, n of m)
carry multi-instance characteristics with their cardinality and completion
condition. The `bpmndi:BPMNDiagram` gives every shape its bounds and every
flow its waypoints: modelers refuse a process without a layout.

Element ids: `Task_<key>` for steps and branches, `Gateway_<key>_fork` /
`_join` for parallel steps, `Gateway_<key>_split` / `_merge` for conditions.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import Final

from yiwang.platform.i18n import translate
from yiwang.runtime.routes.spec import RouteSpec, StepSpec, TaskSpec

BPMN: Final = "http://www.omg.org/spec/BPMN/20100524/MODEL"
BPMNDI: Final = "http://www.omg.org/spec/BPMN/20100524/DI"
DC: Final = "http://www.omg.org/spec/DD/20100524/DC"
DI: Final = "http://www.omg.org/spec/DD/20100524/DI"
XSI: Final = "http://www.w3.org/2001/XMLSchema-instance"
for _prefix, _uri in (("bpmn", BPMN), ("bpmndi", BPMNDI), ("dc", DC), ("di", DI), ("xsi", XSI)):
    ET.register_namespace(_prefix, _uri)

TASK_W, TASK_H = 120, 80
GATEWAY = 50
EVENT = 36
GAP = 60
ROW = 110  # vertical distance between parallel branches
MARGIN = 40
DETOUR = 40  # how far above a task the default flow around a condition runs


@dataclass
class _Node:
    id: str
    tag: str
    name: str
    x: float = 0
    y: float = 0
    w: float = 0
    h: float = 0
    documentation: str = ""
    incoming: list[str] = field(default_factory=list)
    outgoing: list[str] = field(default_factory=list)
    task: TaskSpec | None = None
    default: str | None = None

    @property
    def cx(self) -> float:
        return self.x + self.w / 2

    @property
    def cy(self) -> float:
        return self.y + self.h / 2


@dataclass
class _Flow:
    id: str
    source: str
    target: str
    waypoints: list[tuple[float, float]]
    name: str = ""
    condition: str | None = None


def task_id(key: str) -> str:
    return f"Task_{key}"


def gateway_ids(step: StepSpec) -> tuple[str, str]:
    """(opening, closing) gateway ids of a parallel or conditional step."""
    if step.parallel:
        return f"Gateway_{step.key}_fork", f"Gateway_{step.key}_join"
    return f"Gateway_{step.key}_split", f"Gateway_{step.key}_merge"


class _Layout:
    def __init__(self, centre: float) -> None:
        self.centre = centre
        self.x: float = MARGIN
        self.nodes: dict[str, _Node] = {}
        self.flows: list[_Flow] = []

    def place(self, node: _Node, w: float, h: float, cy: float | None = None) -> _Node:
        node.w, node.h = w, h
        node.x = self.x
        node.y = (self.centre if cy is None else cy) - h / 2
        self.nodes[node.id] = node
        return node

    def advance(self, width: float) -> None:
        self.x += width + GAP

    def connect(
        self,
        source: _Node,
        target: _Node,
        waypoints: list[tuple[float, float]] | None = None,
        *,
        name: str = "",
        condition: str | None = None,
    ) -> _Flow:
        flow_id = f"Flow_{len(self.flows) + 1}"
        points = waypoints or [(source.x + source.w, source.cy), (target.x, target.cy)]
        flow = _Flow(flow_id, source.id, target.id, points, name, condition)
        self.flows.append(flow)
        source.outgoing.append(flow_id)
        target.incoming.append(flow_id)
        return flow


def route_to_bpmn(spec: RouteSpec) -> str:
    """The BPMN 2.0 XML (with diagram) of the route, as text."""
    widest = max((len(s.tasks) for s in spec.steps if s.parallel), default=1)
    centre = MARGIN + max((widest - 1) / 2 * ROW + TASK_H / 2, TASK_H / 2 + DETOUR + 20)
    layout = _Layout(centre)
    previous = layout.place(_Node("StartEvent_submit", "startEvent", _t("start")), EVENT, EVENT)
    layout.advance(EVENT)
    for step in spec.steps:
        previous = _step(layout, step, previous)
    end = layout.place(_Node("EndEvent_done", "endEvent", _t("end")), EVENT, EVENT)
    layout.connect(previous, end)
    return _xml(spec, layout)


def _t(name: str, **params: object) -> str:
    return translate(f"routes.bpmn.{name}", **params)


def _task_node(layout: _Layout, task: TaskSpec, cy: float | None = None) -> _Node:
    node = _Node(task_id(task.key), "userTask", task.label, documentation=_describe(task))
    node.task = task
    return layout.place(node, TASK_W, TASK_H, cy)


def _describe(task: TaskSpec) -> str:
    assignee = task.assignee
    if assignee.implementing_department:
        department = _t("implementing_department")
    else:
        department = assignee.department or _t("any_department")
    parts = [_t("assignee", role=assignee.role, department=department), task.approval.describe()]
    if task.on_reject is not None:
        parts.append(_t("on_reject", outcome=translate(f"routes.on_reject.{task.on_reject}")))
    if task.time_limit_days is not None:
        parts.append(_t("time_limit", days=task.time_limit_days))
    return "；".join(parts)


def _step(layout: _Layout, step: StepSpec, previous: _Node) -> _Node:
    """Place `step` after `previous`; returns the node the next flow leaves from."""
    if step.parallel:
        return _parallel(layout, step, previous)
    if step.when is not None:
        return _conditional(layout, step, previous)
    node = _task_node(layout, step.tasks[0])
    if step.stops_clock:
        node.documentation += "；" + _t("stops_clock")
    layout.connect(previous, node)
    layout.advance(TASK_W)
    return node


def _gateway(layout: _Layout, node_id: str, tag: str, name: str) -> _Node:
    node = layout.place(_Node(node_id, tag, name), GATEWAY, GATEWAY)
    layout.advance(GATEWAY)
    return node


def _conditional(layout: _Layout, step: StepSpec, previous: _Node) -> _Node:
    assert step.when is not None
    split_id, merge_id = gateway_ids(step)
    split = _gateway(layout, split_id, "exclusiveGateway", _t("condition", step=step.label))
    layout.connect(previous, split)
    task = _task_node(layout, step.tasks[0])
    if step.stops_clock:
        task.documentation += "；" + _t("stops_clock")
    layout.advance(TASK_W)
    merge = _gateway(layout, merge_id, "exclusiveGateway", "")
    condition = json.dumps(dict(step.when.schema), ensure_ascii=False, sort_keys=True)
    layout.connect(split, task, name=_t("yes"), condition=condition)
    layout.connect(task, merge)
    above = task.y - DETOUR
    skip = layout.connect(
        split,
        merge,
        [(split.cx, split.y), (split.cx, above), (merge.cx, above), (merge.cx, merge.y)],
        name=_t("no"),
    )
    split.default = skip.id
    return merge


def _parallel(layout: _Layout, step: StepSpec, previous: _Node) -> _Node:
    fork_id, join_id = gateway_ids(step)
    fork = _gateway(layout, fork_id, "parallelGateway", step.label)
    fork.documentation = _t("parallel")
    if step.time_limit_days is not None:
        fork.documentation += "；" + _t("time_limit", days=step.time_limit_days)
    layout.connect(previous, fork)
    count = len(step.tasks)
    nodes = [
        _task_node(layout, task, layout.centre + (index - (count - 1) / 2) * ROW)
        for index, task in enumerate(step.tasks)
    ]
    layout.advance(TASK_W)
    join = _gateway(layout, join_id, "parallelGateway", "")
    for node in nodes:
        if node.cy == layout.centre:
            layout.connect(fork, node)
            layout.connect(node, join)
            continue
        fork_edge = fork.y if node.cy < fork.cy else fork.y + fork.h
        join_edge = join.y if node.cy < join.cy else join.y + join.h
        layout.connect(fork, node, [(fork.cx, fork_edge), (fork.cx, node.cy), (node.x, node.cy)])
        layout.connect(
            node, join, [(node.x + node.w, node.cy), (join.cx, node.cy), (join.cx, join_edge)]
        )
    return join


def _xml(spec: RouteSpec, layout: _Layout) -> str:
    name = f"{spec.document}_{spec.key}"
    root = ET.Element(
        f"{{{BPMN}}}definitions",
        {
            "id": f"Definitions_{name}",
            "targetNamespace": "urn:yiwang:routes",
            "exporter": "Yiwang",
            "exporterVersion": spec.version[:12],
        },
    )
    process = ET.SubElement(
        root,
        f"{{{BPMN}}}process",
        {"id": f"Process_{name}", "name": spec.label, "isExecutable": "false"},
    )
    for node in layout.nodes.values():
        _flow_node(process, node)
    for flow in layout.flows:
        element = ET.SubElement(
            process,
            f"{{{BPMN}}}sequenceFlow",
            {"id": flow.id, "sourceRef": flow.source, "targetRef": flow.target},
        )
        if flow.name:
            element.set("name", flow.name)
        if flow.condition is not None:
            expression = ET.SubElement(
                element,
                f"{{{BPMN}}}conditionExpression",
                {f"{{{XSI}}}type": "bpmn:tFormalExpression", "language": "application/schema+json"},
            )
            expression.text = flow.condition
    diagram = ET.SubElement(root, f"{{{BPMNDI}}}BPMNDiagram", {"id": f"Diagram_{name}"})
    plane = ET.SubElement(
        diagram, f"{{{BPMNDI}}}BPMNPlane", {"id": f"Plane_{name}", "bpmnElement": f"Process_{name}"}
    )
    for node in layout.nodes.values():
        shape = ET.SubElement(
            plane, f"{{{BPMNDI}}}BPMNShape", {"id": f"{node.id}_di", "bpmnElement": node.id}
        )
        if node.tag == "exclusiveGateway":
            shape.set("isMarkerVisible", "true")
        ET.SubElement(
            shape,
            f"{{{DC}}}Bounds",
            {"x": _n(node.x), "y": _n(node.y), "width": _n(node.w), "height": _n(node.h)},
        )
    for flow in layout.flows:
        edge = ET.SubElement(
            plane, f"{{{BPMNDI}}}BPMNEdge", {"id": f"{flow.id}_di", "bpmnElement": flow.id}
        )
        for x, y in flow.waypoints:
            ET.SubElement(edge, f"{{{DI}}}waypoint", {"x": _n(x), "y": _n(y)})
    ET.indent(root)
    body = ET.tostring(root, encoding="unicode")
    return f'<?xml version="1.0" encoding="UTF-8"?>\n{body}\n'


def _flow_node(process: ET.Element, node: _Node) -> None:
    attributes = {"id": node.id}
    if node.name:
        attributes["name"] = node.name
    if node.default is not None:
        attributes["default"] = node.default
    element = ET.SubElement(process, f"{{{BPMN}}}{node.tag}", attributes)
    if node.documentation:
        ET.SubElement(element, f"{{{BPMN}}}documentation").text = node.documentation
    for flow_id in node.incoming:
        ET.SubElement(element, f"{{{BPMN}}}incoming").text = flow_id
    for flow_id in node.outgoing:
        ET.SubElement(element, f"{{{BPMN}}}outgoing").text = flow_id
    rule = node.task.approval if node.task is not None else None
    if rule is not None and rule.seats > 1:
        loop = ET.SubElement(
            element, f"{{{BPMN}}}multiInstanceLoopCharacteristics", {"isSequential": "false"}
        )
        cardinality = ET.SubElement(
            loop, f"{{{BPMN}}}loopCardinality", {f"{{{XSI}}}type": "bpmn:tFormalExpression"}
        )
        cardinality.text = str(rule.seats)
        completion = ET.SubElement(
            loop, f"{{{BPMN}}}completionCondition", {f"{{{XSI}}}type": "bpmn:tFormalExpression"}
        )
        completion.text = _t("completion", needed=rule.needed, rejections=rule.rejections_to_close)


def _n(value: float) -> str:
    return str(round(value))
