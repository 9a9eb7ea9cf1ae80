"""The sections that name fields: forms, lists, rules, publication and certificates."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from yiwang.metadata.documents import pointers
from yiwang.metadata.documents.checks.fields import condition_errors
from yiwang.metadata.documents.shapes import Document
from yiwang.platform.errors import ErrorDetail
from yiwang.policy.identity.codes import is_valid_credit_code


def form_errors(document: Document, pointer: str) -> Iterator[ErrorDetail]:
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
                yield from condition_errors(
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


def list_errors(document: Document, pointer: str) -> Iterator[ErrorDetail]:
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


def rule_errors(document: Document, pointer: str) -> Iterator[ErrorDetail]:
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
                yield from condition_errors(rule[part], pointers.join(here, part), fields)
        if "min" in rule and "max" in rule and rule["min"] > rule["max"]:
            yield ErrorDetail(
                "metadata.field.bounds_inverted",
                pointers.join(here, "min"),
                {"low": "min", "high": "max", "min": rule["min"], "max": rule["max"]},
            )


def publication_errors(document: Document, pointer: str) -> Iterator[ErrorDetail]:
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


def certificate_errors(
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
