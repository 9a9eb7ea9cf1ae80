"""Rules a document must keep that a meta-schema cannot express.

They run after the meta-schema check passed, so shapes can be trusted here:
references resolve (code lists, item types, fields named by forms, lists,
conditions and rules), bounds are ordered, attachment fields accept only file types
the platform can verify by content, patterns compile in both engines,
defaults are valid values, personal data is never published, promised time
limits stay within statutory ones, and base keys never start with `x_`.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator, Mapping
from functools import lru_cache
from typing import Any, Final

import jsonschema_rs
from jsonschema import Draft202012Validator

from yiwang.metadata.documents import pointers
from yiwang.metadata.documents.approvals import MODES
from yiwang.metadata.documents.conditions import referenced_fields
from yiwang.metadata.documents.field_types import (
    ACCEPTABLE_FILE_TYPES,
    COMMON_PROPERTIES,
    LOWER_BOUNDS,
    RESERVED_KEYS,
    TYPE_PROPERTIES,
    UPPER_BOUNDS,
    value_schema,
)
from yiwang.metadata.documents.shapes import Document, Model
from yiwang.platform.errors import ErrorDetail
from yiwang.policy.identity.codes import is_valid_credit_code

LOCAL_PREFIX = "x_"


def check_model(
    model: Model, *, base_layer: bool, pointer: str = "/documents"
) -> list[ErrorDetail]:
    """Every document's rules, with references to item types resolved in `model`."""
    errors: list[ErrorDetail] = list(_code_lists(model.code_lists, "/code_lists"))
    types = frozenset(model.documents)
    for key, document in model.documents.items():
        here = pointers.join(pointer, key)
        if document.get("key") != key:
            errors.append(
                ErrorDetail(
                    "metadata.document.key_mismatch",
                    pointers.join(here, "key"),
                    {"key": document.get("key"), "expected": key},
                )
            )
        errors.extend(
            check_document(
                document,
                types=types,
                shared_code_lists=model.code_lists,
                base_layer=base_layer,
                pointer=here,
            )
        )
    return errors


def check_document(
    document: Document,
    *,
    types: Collection[str],
    shared_code_lists: Mapping[str, Any] | None = None,
    base_layer: bool,
    pointer: str = "",
) -> list[ErrorDetail]:
    """The rules of one document that already satisfies the meta-schema."""
    errors: list[ErrorDetail] = []
    if base_layer:
        errors.extend(_reserved_prefix(document, pointer))
    fields: Mapping[str, Any] = document["fields"]
    own: Mapping[str, Any] = document.get("code_lists", {})
    shared = shared_code_lists or {}
    for key in own:
        if key in shared:
            errors.append(
                ErrorDetail(
                    "metadata.code_list.shadowed",
                    pointers.join(pointer, "code_lists", key),
                    {"code_list": key},
                )
            )
    code_lists = {**shared, **own}
    for key, field in fields.items():
        here = pointers.join(pointer, "fields", key)
        if key in RESERVED_KEYS:
            errors.append(ErrorDetail("metadata.field.key_reserved", here, {"key": key}))
        errors.extend(_field(field, here, code_lists, types, fields))
    errors.extend(_code_lists(own, pointers.join(pointer, "code_lists")))
    errors.extend(_forms(document, pointer))
    errors.extend(_lists(document, pointer))
    errors.extend(_routes(document, pointer))
    errors.extend(_rules(document, pointer))
    errors.extend(_publication(document, pointer))
    errors.extend(_certificates(document, pointer, code_lists))
    return errors


def _keys_of(document: Document, pointer: str) -> Iterator[tuple[str, str]]:
    """Every key a document defines, with its pointer: what `x_` must not start in base."""
    for section in ("fields", "code_lists", "forms", "lists", "routes", "rules", "certificates"):
        for key in document.get(section, {}):
            yield key, pointers.join(pointer, section, key)
    for key, field in document["fields"].items():
        for column in field.get("columns", {}):
            yield column, pointers.join(pointer, "fields", key, "columns", column)
    for form_key, form in document.get("forms", {}).items():
        for index, section in enumerate(form["sections"]):
            yield section["key"], pointers.join(pointer, "forms", form_key, "sections", index)
    for route_key, route in document.get("routes", {}).items():
        for index, step in enumerate(route["steps"]):
            here = pointers.join(pointer, "routes", route_key, "steps", index)
            yield step["key"], pointers.join(here, "key")
            for b_index, branch in enumerate(step.get("branches", [])):
                yield branch["key"], pointers.join(here, "branches", b_index, "key")


def _reserved_prefix(document: Document, pointer: str) -> Iterator[ErrorDetail]:
    if document["key"].startswith(LOCAL_PREFIX):
        yield ErrorDetail(
            "metadata.document.x_prefix_reserved",
            pointers.join(pointer, "key"),
            {"key": document["key"]},
        )
    for key, here in _keys_of(document, pointer):
        if key.startswith(LOCAL_PREFIX):
            yield ErrorDetail("metadata.document.x_prefix_reserved", here, {"key": key})


def _field(
    field: Mapping[str, Any],
    pointer: str,
    code_lists: Mapping[str, Any],
    types: Collection[str],
    fields: Mapping[str, Any],
) -> Iterator[ErrorDetail]:
    kind = field["type"]
    allowed = COMMON_PROPERTIES | TYPE_PROPERTIES[kind]
    for name in field:
        if name not in allowed:
            yield ErrorDetail(
                "metadata.field.property_for_type",
                pointers.join(pointer, name),
                {"property": name, "type": kind},
            )
    for low, high in zip(LOWER_BOUNDS, UPPER_BOUNDS, strict=False):
        if low in field and high in field and field[low] > field[high]:
            yield ErrorDetail(
                "metadata.field.bounds_inverted",
                pointers.join(pointer, low),
                {"low": low, "high": high, "min": field[low], "max": field[high]},
            )
    if "pattern" in field:
        yield from _pattern(field["pattern"], pointers.join(pointer, "pattern"))
    for index, accepted in enumerate(field.get("accept", ())):
        if accepted not in ACCEPTABLE_FILE_TYPES:
            yield ErrorDetail(
                "metadata.field.accept_unsupported",
                pointers.join(pointer, "accept", index),
                {"value": accepted, "allowed": "、".join(ACCEPTABLE_FILE_TYPES)},
            )
    if "code_list" in field and field["code_list"] not in code_lists:
        yield ErrorDetail(
            "metadata.field.code_list_missing",
            pointers.join(pointer, "code_list"),
            {"code_list": field["code_list"]},
        )
    if "ref_type" in field and field["ref_type"] not in types:
        yield ErrorDetail(
            "metadata.field.ref_type_missing",
            pointers.join(pointer, "ref_type"),
            {"ref_type": field["ref_type"]},
        )
    if "required_when" in field:
        yield from _condition(
            field["required_when"], pointers.join(pointer, "required_when"), fields
        )
    if field.get("pii") and field.get("public"):
        yield ErrorDetail("metadata.document.pii_published", pointers.join(pointer, "public"), {})
    for key, column in field.get("columns", {}).items():
        yield from _field(
            column, pointers.join(pointer, "columns", key), code_lists, types, field["columns"]
        )
    if "default" in field:
        yield from _default(field, pointer, code_lists)


def _pattern(pattern: str, pointer: str) -> Iterator[ErrorDetail]:
    if not pattern_compiles(pattern):
        yield ErrorDetail("metadata.field.pattern_invalid", pointer, {"pattern": pattern})


@lru_cache(maxsize=4096)
def pattern_compiles(pattern: str) -> bool:
    """A pattern must compile for Python's `re` and for jsonschema-rs alike."""
    try:
        re.compile(pattern)
        jsonschema_rs.validator_for({"type": "string", "pattern": pattern}, offline=True)
    except (re.error, ValueError, jsonschema_rs.ValidationError):
        return False
    return True


def _default(
    field: Mapping[str, Any], pointer: str, code_lists: Mapping[str, Any]
) -> Iterator[ErrorDetail]:
    if field.get("pattern"):
        try:
            re.compile(field["pattern"])
        except re.error:
            return

    def codes(key: str) -> list[str]:
        return [v["code"] for v in code_lists.get(key, {}).get("values", [])]

    schema = value_schema(field, codes)
    validator = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    if not validator.is_valid(field["default"]):
        yield ErrorDetail(
            "metadata.field.default_invalid",
            pointers.join(pointer, "default"),
            {"value": repr(field["default"])[:60]},
        )


def _condition(
    condition: Mapping[str, Any], pointer: str, fields: Mapping[str, Any]
) -> Iterator[ErrorDetail]:
    for key, here in referenced_fields(condition, pointer):
        if key not in fields:
            yield ErrorDetail("metadata.condition.field_missing", here, {"field": key})
    yield from _condition_patterns(condition, pointer)


def _condition_patterns(node: Any, pointer: str) -> Iterator[ErrorDetail]:
    """Patterns anywhere in a condition must compile in both engines, like field patterns."""
    if isinstance(node, list):
        for index, item in enumerate(node):
            yield from _condition_patterns(item, pointers.join(pointer, index))
    elif isinstance(node, Mapping):
        for key, value in node.items():
            here = pointers.join(pointer, key)
            if key == "pattern" and isinstance(value, str):
                yield from _pattern(value, here)
            elif key not in ("const", "enum"):
                yield from _condition_patterns(value, here)


def _code_lists(code_lists: Mapping[str, Any], pointer: str) -> Iterator[ErrorDetail]:
    for key, code_list in code_lists.items():
        seen: set[str] = set()
        catch_all: str | None = None
        for index, value in enumerate(code_list["values"]):
            if value["code"] in seen:
                yield ErrorDetail(
                    "metadata.code_list.duplicate_code",
                    pointers.join(pointer, key, "values", index, "code"),
                    {"code": value["code"], "code_list": key},
                )
            seen.add(value["code"])
            if value.get("catch_all"):
                if catch_all is not None:
                    yield ErrorDetail(
                        "metadata.code_list.catch_all_twice",
                        pointers.join(pointer, key, "values", index, "catch_all"),
                        {"code_list": key, "code": value["code"], "other": catch_all},
                    )
                catch_all = value["code"]


def _forms(document: Document, pointer: str) -> Iterator[ErrorDetail]:
    fields: Mapping[str, Any] = document["fields"]
    for form_key, form in document.get("forms", {}).items():
        section_keys: set[str] = set()
        placed: set[str] = set()
        for index, section in enumerate(form["sections"]):
            here = pointers.join(pointer, "forms", form_key, "sections", index)
            if section["key"] in section_keys:
                yield ErrorDetail(
                    "metadata.form.section_duplicate",
                    pointers.join(here, "key"),
                    {"key": section["key"]},
                )
            section_keys.add(section["key"])
            conditional = "visible_when" in section
            if conditional:
                yield from _condition(
                    section["visible_when"], pointers.join(here, "visible_when"), fields
                )
            for f_index, key in enumerate(section["fields"]):
                at = pointers.join(here, "fields", f_index)
                if key not in fields:
                    yield ErrorDetail("metadata.form.field_missing", at, {"field": key})
                    continue
                if key in placed:
                    yield ErrorDetail("metadata.form.field_duplicate", at, {"field": key})
                placed.add(key)
                if form["audience"] == "citizen" and fields[key].get("internal"):
                    yield ErrorDetail("metadata.form.internal_on_citizen_form", at, {"field": key})
                if conditional and fields[key].get("required"):
                    yield ErrorDetail(
                        "metadata.form.required_in_conditional_section", at, {"field": key}
                    )
                if form["audience"] == "citizen" and fields[key].get("filled_by"):
                    yield ErrorDetail(
                        "metadata.form.platform_filled_on_citizen_form", at, {"field": key}
                    )


def _lists(document: Document, pointer: str) -> Iterator[ErrorDetail]:
    fields: Mapping[str, Any] = document["fields"]
    for list_key, view in document.get("lists", {}).items():
        here = pointers.join(pointer, "lists", list_key)
        named = [("columns", i, k) for i, k in enumerate(view["columns"])]
        named += [("filters", i, k) for i, k in enumerate(view.get("filters", []))]
        named += [("sort", i, s["field"]) for i, s in enumerate(view.get("sort", []))]
        for part, index, key in named:
            at = pointers.join(here, part, index)
            if key not in fields:
                yield ErrorDetail("metadata.list.field_missing", at, {"field": key})
            elif view["audience"] == "public" and fields[key].get("pii"):
                yield ErrorDetail("metadata.document.pii_published", at, {"field": key})
            elif part == "filters" and fields[key]["type"] in {"table", "attachments", "long_text"}:
                yield ErrorDetail("metadata.list.filter_unsupported", at, {"field": key})


def _routes(document: Document, pointer: str) -> Iterator[ErrorDetail]:
    fields: Mapping[str, Any] = document["fields"]
    for route_key, route in document.get("routes", {}).items():
        yield from route_errors(route, fields, pointers.join(pointer, "routes", route_key))


#: steps whose tasks are decided by votes (approve / reject) and so take a mode
REVIEW_KINDS: Final = frozenset({"review", "consult", "special"})
#: steps that come after the decision: delivering it, publishing a list
POST_DECISION_KINDS: Final = frozenset({"issue", "publish"})
#: steps at most one of which a route may have, never conditional
_SINGULAR_KINDS: Final = ("draft", "accept", "decide")
#: the modes each kind of task may take (absent: single only)
_MODES_FOR_KIND: Final[Mapping[str, frozenset[str]]] = {
    **{kind: frozenset(MODES) for kind in REVIEW_KINDS},
    "branch": frozenset(MODES),
    "decide": frozenset({"single", "any"}),
}


def route_errors(
    route: Mapping[str, Any], fields: Mapping[str, Any], pointer: str
) -> Iterator[ErrorDetail]:
    """The rules of one route that passed the meta-schema.

    Order: an optional draft first, then acceptance and reviews in any order,
    at most one decision after all of them, then the post-decision steps. A
    rejection that returns to the previous step needs an unconditional review
    step before it and after the acceptance. Step and branch keys are unique across the route, since
    tasks are addressed by them.
    """
    statutory = route.get("statutory_days")
    promised = route.get("promised_days")
    if statutory is not None and promised is not None and promised > statutory:
        yield ErrorDetail(
            "metadata.route.promise_exceeds_statutory",
            pointers.join(pointer, "promised_days"),
            {"promised": promised, "statutory": statutory},
        )
    seen: set[str] = set()
    kinds_seen: set[str] = set()
    reviewed = False  # an unconditional review-like step came before
    for index, step in enumerate(route["steps"]):
        at = pointers.join(pointer, "steps", index)
        kind = step["kind"]
        for key, key_at in _task_keys(step, at):
            if key in seen:
                yield ErrorDetail("metadata.route.step_duplicate", key_at, {"key": key})
            seen.add(key)
        yield from _step_order(step, index, kinds_seen, at)
        kinds_seen.add(kind)
        if "when" in step:
            yield from _condition(step["when"], pointers.join(at, "when"), fields)
            if kind in _SINGULAR_KINDS:
                yield ErrorDetail(
                    "metadata.route.condition_not_allowed",
                    pointers.join(at, "when"),
                    {"step": step["key"]},
                )
        tasks = [
            (branch, pointers.join(at, "branches", b), "branch")
            for b, branch in enumerate(step.get("branches", []))
        ]
        tasks = tasks or [(step, at, kind)]
        for task, task_at, task_kind in tasks:
            yield from _approval(task, task_kind, task_at)
            if task.get("on_reject") == "return_to_previous" and not reviewed:
                yield ErrorDetail(
                    "metadata.route.nothing_to_return_to",
                    pointers.join(task_at, "on_reject"),
                    {"step": task["key"]},
                )
        if (kind in REVIEW_KINDS or kind == "parallel") and "when" not in step:
            reviewed = True
        elif kind == "accept":
            reviewed = False  # a case is never returned to before its acceptance


def _task_keys(step: Mapping[str, Any], at: str) -> Iterator[tuple[str, str]]:
    yield step["key"], pointers.join(at, "key")
    for index, branch in enumerate(step.get("branches", [])):
        yield branch["key"], pointers.join(at, "branches", index, "key")


def _step_order(
    step: Mapping[str, Any], index: int, before: set[str], at: str
) -> Iterator[ErrorDetail]:
    kind = step["kind"]
    if kind in _SINGULAR_KINDS and kind in before:
        yield ErrorDetail("metadata.route.kind_repeated", pointers.join(at, "kind"), {"kind": kind})
    misplaced = (
        (kind == "draft" and index > 0)
        or (kind not in POST_DECISION_KINDS and bool(before & POST_DECISION_KINDS))
        or (kind not in POST_DECISION_KINDS and kind != "decide" and "decide" in before)
    )
    if misplaced:
        yield ErrorDetail(
            "metadata.route.step_order",
            pointers.join(at, "kind"),
            {"step": step["key"], "kind": kind},
        )


def _approval(task: Mapping[str, Any], kind: str, at: str) -> Iterator[ErrorDetail]:
    mode = task.get("mode", "single")
    if mode not in _MODES_FOR_KIND.get(kind, frozenset({"single"})):
        yield ErrorDetail(
            "metadata.route.mode_for_kind",
            pointers.join(at, "mode"),
            {"mode": mode, "kind": kind},
        )
    if "n" in task and "approvers" in task and task["n"] > task["approvers"]:
        yield ErrorDetail(
            "metadata.route.n_exceeds_approvers",
            pointers.join(at, "n"),
            {"n": task["n"], "approvers": task["approvers"]},
        )
    if "on_reject" in task and kind not in REVIEW_KINDS and kind != "branch":
        yield ErrorDetail(
            "metadata.route.on_reject_for_kind", pointers.join(at, "on_reject"), {"kind": kind}
        )


def _rules(document: Document, pointer: str) -> Iterator[ErrorDetail]:
    fields: Mapping[str, Any] = document["fields"]
    for rule_key, rule in document.get("rules", {}).items():
        here = pointers.join(pointer, "rules", rule_key)
        named: list[tuple[str, str]] = []
        for part in ("left", "right"):
            if part in rule:
                named.append((rule[part], pointers.join(here, part)))
        for part in ("group_by", "fields"):
            named += [(k, pointers.join(here, part, i)) for i, k in enumerate(rule.get(part, []))]
        for key, at in named:
            if key not in fields:
                yield ErrorDetail("metadata.rule.field_missing", at, {"field": key})
        for part in ("when", "if", "then", "where"):
            if part in rule:
                yield from _condition(rule[part], pointers.join(here, part), fields)
        if "min" in rule and "max" in rule and rule["min"] > rule["max"]:
            yield ErrorDetail(
                "metadata.field.bounds_inverted",
                pointers.join(here, "min"),
                {"low": "min", "high": "max", "min": rule["min"], "max": rule["max"]},
            )


def _publication(document: Document, pointer: str) -> Iterator[ErrorDetail]:
    publication = document.get("publication")
    if not publication:
        return
    fields: Mapping[str, Any] = document["fields"]
    here = pointers.join(pointer, "publication")
    if "list" in publication:
        view = document.get("lists", {}).get(publication["list"])
        if view is None:
            yield ErrorDetail(
                "metadata.publication.list_missing",
                pointers.join(here, "list"),
                {"list": publication["list"]},
            )
        elif view["audience"] != "public":
            yield ErrorDetail(
                "metadata.publication.list_not_public",
                pointers.join(here, "list"),
                {"list": publication["list"]},
            )
    named: list[tuple[str, int | None, str]] = []
    if "title_field" in publication:
        named.append(("title_field", None, publication["title_field"]))
    named += [("detail_fields", i, k) for i, k in enumerate(publication.get("detail_fields", []))]
    for part, index, key in named:
        at = pointers.join(here, part) if index is None else pointers.join(here, part, index)
        if key not in fields:
            yield ErrorDetail("metadata.publication.field_missing", at, {"field": key})
        elif fields[key].get("pii"):
            yield ErrorDetail("metadata.document.pii_published", at, {"field": key})


#: field types a licence face cannot show as text
_UNPRINTABLE = frozenset({"attachment", "attachments", "table"})


def _certificates(
    document: Document, pointer: str, code_lists: Mapping[str, Any]
) -> Iterator[ErrorDetail]:
    fields: Mapping[str, Any] = document["fields"]
    holder_codes = {v["code"] for v in code_lists.get("holder_code_type", {}).get("values", [])}
    for key, template in document.get("certificates", {}).items():
        here = pointers.join(pointer, "certificates", key)
        type_code = template["license_type_code"]
        if not is_valid_credit_code(type_code[:18]):
            yield ErrorDetail(
                "metadata.certificate.type_code_invalid",
                pointers.join(here, "license_type_code"),
                {"value": type_code},
            )
        holder = template["holder"]
        named = [(holder[part], pointers.join(here, "holder", part)) for part in ("name", "code")]
        named += [
            (entry["field"], pointers.join(here, "face", index, "field"))
            for index, entry in enumerate(template["face"])
        ]
        seen: set[str] = set()
        for index, (field, at) in enumerate(named):
            if field not in fields:
                yield ErrorDetail("metadata.certificate.field_missing", at, {"field": field})
                continue
            if fields[field]["type"] in _UNPRINTABLE:
                yield ErrorDetail(
                    "metadata.certificate.field_unprintable",
                    at,
                    {"field": field, "type": fields[field]["type"]},
                )
            if index >= 2:  # the face: each field once
                if field in seen:
                    yield ErrorDetail("metadata.certificate.field_duplicate", at, {"field": field})
                seen.add(field)
        if holder_codes and holder["code_type"] not in holder_codes:
            yield ErrorDetail(
                "metadata.certificate.code_type_unknown",
                pointers.join(here, "holder", "code_type"),
                {"code": holder["code_type"]},
            )
