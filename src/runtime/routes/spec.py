"""An effective route definition as a typed, immutable spec the engine walks.

A route is a sequence of steps. A plain step is one task; a parallel step
(并联审批) is one task per branch, opened at once and joined when all have
finished. A step with `when` runs only if its condition (a JSON Schema) holds
for the form data when the case reaches it. Every task names its assignee
(a role, and a department key or the service item's implementing department)
and its approval rule (`yiwang.metadata.documents.approvals`).

The spec is parsed from the effective document, the one the region's
overlays produced, and identified by the content hash of its definition: a
case stores that hash and the definition it started on, and keeps them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Final, Literal

import jsonschema_rs

from yiwang.metadata.documents import pointers
from yiwang.metadata.documents.approvals import ApprovalRule, approval_rule
from yiwang.metadata.documents.checks import POST_DECISION_KINDS, REVIEW_KINDS, route_errors
from yiwang.metadata.documents.hashing import content_hash, json_copy
from yiwang.metadata.documents.metaschemas import fragment_errors
from yiwang.metadata.resolution.resolve import EffectiveModel
from yiwang.platform.errors import ErrorDetail, InvalidInput, NotFound

Kind = Literal[
    "draft", "accept", "review", "consult", "special", "parallel", "decide", "issue", "publish"
]
OnReject = Literal["reject_case", "return_to_previous", "return_to_applicant", "continue"]

#: steps decided by votes; a parallel step's branches are voted on the same way
VOTING_KINDS: Final = REVIEW_KINDS | {"parallel"}


@dataclass(frozen=True)
class Assignee:
    """Who a task goes to: holders of `role`, in a department of the case's tenant."""

    role: str
    department: str | None = None
    implementing_department: bool = False

    def department_for(self, implementing: str | None) -> str | None:
        """The department key of the task in a case whose implementing department is given."""
        return implementing if self.implementing_department else self.department


@dataclass(frozen=True)
class Condition:
    """A step's `when`: a JSON Schema evaluated on the form data, never as an expression."""

    schema: Mapping[str, Any]
    _validator: Any = field(compare=False, repr=False, hash=False)

    @classmethod
    def compile(cls, schema: Mapping[str, Any]) -> Condition:
        validator = jsonschema_rs.Draft202012Validator(
            dict(schema), validate_formats=False, offline=True
        )
        return cls(json_copy(dict(schema)), validator)

    def holds(self, data: Mapping[str, Any]) -> bool:
        return bool(self._validator.is_valid(dict(data)))


@dataclass(frozen=True)
class TaskSpec:
    """One unit of work: a plain step, or one branch of a parallel step."""

    key: str
    label: str
    step: str
    assignee: Assignee
    approval: ApprovalRule
    on_reject: OnReject | None
    time_limit_days: int | None


@dataclass(frozen=True)
class StepSpec:
    """One node of the route."""

    key: str
    label: str
    kind: Kind
    tasks: tuple[TaskSpec, ...]
    mandatory: bool = False
    stops_clock: bool = False
    time_limit_days: int | None = None
    when: Condition | None = None

    @property
    def parallel(self) -> bool:
        return self.kind == "parallel"

    @property
    def voting(self) -> bool:
        """Decided by approve / reject votes on its tasks."""
        return self.kind in VOTING_KINDS

    @property
    def post_decision(self) -> bool:
        return self.kind in POST_DECISION_KINDS


@dataclass(frozen=True)
class RouteSpec:
    """The whole route: steps in order, identified by `version` (a content hash)."""

    document: str
    key: str
    label: str
    steps: tuple[StepSpec, ...]
    version: str
    definition: Mapping[str, Any] = field(compare=False, repr=False)
    statutory_days: int | None = None
    promised_days: int | None = None

    @cached_property
    def _index(self) -> dict[str, int]:
        return {s.key: i for i, s in enumerate(self.steps)}

    @cached_property
    def _tasks(self) -> dict[str, TaskSpec]:
        return {t.key: t for s in self.steps for t in s.tasks}

    def index(self, step: str) -> int:
        return self._index[step]

    def step(self, key: str) -> StepSpec:
        return self.steps[self._index[key]]

    def has_task(self, key: str) -> bool:
        return key in self._tasks

    def task(self, key: str) -> TaskSpec:
        return self._tasks[key]

    @cached_property
    def decision_index(self) -> int | None:
        """Index of the decide step, if the route has one."""
        return next((i for i, s in enumerate(self.steps) if s.kind == "decide"), None)

    @cached_property
    def post_decision_start(self) -> int:
        """Index of the first step after the decision (len(steps) if none)."""
        return next((i for i, s in enumerate(self.steps) if s.post_decision), len(self.steps))

    @cached_property
    def authority(self) -> Assignee:
        """Who decides, and so who may revoke (撤销) or change (变更) a decision.

        The decide step's assignee; a route without one (a consultation, a
        list review decided by its last review) has its last pre-decision step's.
        """
        if self.decision_index is not None:
            return self.steps[self.decision_index].tasks[0].assignee
        before = [s for s in self.steps[: self.post_decision_start] if s.kind != "draft"]
        last = before[-1] if before else self.steps[0]
        return last.tasks[0].assignee

    @cached_property
    def uses_implementing_department(self) -> bool:
        return any(t.assignee.implementing_department for s in self.steps for t in s.tasks)


def route_version(document: str, key: str, definition: Mapping[str, Any]) -> str:
    """The content hash a case records to keep the route it started on."""
    return content_hash({"document": document, "route": key, "definition": definition})


def parse_route(
    document_key: str,
    route_key: str,
    definition: Mapping[str, Any],
    fields: Mapping[str, Any] | None = None,
) -> RouteSpec:
    """The spec of one route definition; refuses one the engine cannot run.

    The definition is checked against the meta-schema and the route rules
    again (a stored case's definition may come from anywhere) and every task
    must name a role, since tasks are assigned by role. Conditions are
    checked against the document's `fields` when given.
    """
    pointer = pointers.join("/documents", document_key, "routes", route_key)
    errors = fragment_errors("route", definition, pointer=pointer)
    if not errors:
        known = fields if fields is not None else _AnyField()
        errors = list(route_errors(definition, known, pointer))
        errors += _roles_missing(definition, pointer)
    if errors:
        raise InvalidInput(
            "routes.spec_invalid",
            pointer=errors[0].pointer,
            details=errors,
            route=route_key,
            count=len(errors),
        )
    copy = json_copy(dict(definition))
    steps = tuple(_step(s) for s in copy["steps"])
    return RouteSpec(
        document=document_key,
        key=route_key,
        label=copy["label"],
        steps=steps,
        version=route_version(document_key, route_key, copy),
        definition=copy,
        statutory_days=copy.get("statutory_days"),
        promised_days=copy.get("promised_days"),
    )


def effective_route(model: EffectiveModel, document_key: str, route_key: str) -> RouteSpec:
    """The spec of a route of an effective model, built once per model."""
    document = model.document(document_key)
    routes: Mapping[str, Any] = document.get("routes", {})
    if route_key not in routes:
        raise NotFound("routes.route_not_found", document=document_key, route=route_key)
    return model.memo(
        ("route_spec", document_key, route_key),
        lambda: parse_route(document_key, route_key, routes[route_key], document["fields"]),
    )


class _AnyField(dict[str, Any]):
    """Conditions were checked against the document's fields when it was published."""

    def __contains__(self, key: object) -> bool:
        return True


def _roles_missing(definition: Mapping[str, Any], pointer: str) -> list[ErrorDetail]:
    missing: list[ErrorDetail] = []
    for index, step in enumerate(definition["steps"]):
        if step["kind"] != "parallel" and "role" not in step:
            missing.append(
                ErrorDetail(
                    "routes.role_missing",
                    pointers.join(pointer, "steps", index, "role"),
                    {"step": step["key"]},
                )
            )
    return missing


def _task(value: Mapping[str, Any], step: str) -> TaskSpec:
    return TaskSpec(
        key=value["key"],
        label=value["label"],
        step=step,
        assignee=Assignee(
            role=value["role"],
            department=value.get("department"),
            implementing_department=bool(value.get("implementing_department", False)),
        ),
        approval=approval_rule(value),
        on_reject=value.get("on_reject"),
        time_limit_days=value.get("time_limit_days"),
    )


def _step(value: Mapping[str, Any]) -> StepSpec:
    key = value["key"]
    if value["kind"] == "parallel":
        tasks = tuple(_task(b, key) for b in value["branches"])
    else:
        tasks = (_task(value, key),)
    when = value.get("when")
    return StepSpec(
        key=key,
        label=value["label"],
        kind=value["kind"],
        tasks=tasks,
        mandatory=bool(value.get("mandatory", False)),
        stops_clock=bool(value.get("stops_clock", False)),
        time_limit_days=value.get("time_limit_days"),
        when=Condition.compile(when) if when is not None else None,
    )
