"""The editor's five forms as changes to a tenant's overlay draft, with no JSON typed.

Each edit reads a form post, checks what a form can check (filled in, a number, one
of the offered choices) and returns the candidate overlay together with the JSON
pointers of what it wrote, each tied to the form control it came from. The rules of
extending without weakening are the metadata service's: the page validates the
candidate there and shows each refusal at the control whose pointer it names
(`controls_for`). Pure: no request, no session.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from yiwang.metadata.documents import pointers
from yiwang.platform.i18n import translate

#: the field types a form offers: those that need nothing beyond a label
FIELD_TYPES: Final = ("text", "long_text", "integer", "decimal", "money", "date", "boolean")
#: the step kinds a region inserts (review-like: each says what a rejection does)
STEP_KINDS: Final = ("review", "consult", "decide")
ON_REJECT: Final = ("return_to_previous", "return_to_applicant", "reject_case", "continue")
EDITS: Final = ("add-field", "add-code", "require", "insert-step", "promise")
MAX_KEY: Final = 64
MAX_LABEL: Final = 100
MAX_HELP: Final = 500
MAX_DAYS: Final = 3650
_DAYS = re.compile(r"^[0-9]{1,4}$")


def posted_values(form: Mapping[str, Any]) -> dict[str, str]:
    """A form post as one string per name (the first, trimmed); anything else is dropped."""
    values: dict[str, str] = {}
    for name, value in form.items():
        first = value[0] if isinstance(value, list) and value else value
        if isinstance(first, str):
            values[str(name)] = first.strip()
    return values


@dataclass
class Edit:
    """A candidate overlay, or the controls the post got wrong before any rule applied."""

    overlay: dict[str, Any]
    #: (pointer, control): a refusal at `pointer` or below it belongs to `control`
    controls: list[tuple[str, str]] = field(default_factory=list)
    #: the control's own problems, found before the candidate was built
    problems: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems


class _Reader:
    """Reads controls of one post, recording a message at each that cannot be used."""

    def __init__(self, values: Mapping[str, str], labels: Mapping[str, str]) -> None:
        self.values = values
        self.labels = labels
        self.problems: dict[str, str] = {}

    def _label(self, name: str) -> str:
        return translate(self.labels[name])

    def text(self, name: str, *, required: bool = True, limit: int = MAX_LABEL) -> str:
        value = self.values.get(name, "")
        if not value and required:
            self.problems[name] = translate("model_editor.value.required", label=self._label(name))
        elif len(value) > limit:
            self.problems[name] = translate(
                "model_editor.value.too_long", label=self._label(name), max=limit
            )
        return value

    def choice(self, name: str, allowed: Sequence[str], *, required: bool = True) -> str:
        value = self.values.get(name, "")
        if not value and not required:
            return ""
        if value not in allowed:
            self.problems[name] = translate("model_editor.value.choice", label=self._label(name))
        return value

    def days(self, name: str, *, required: bool = True) -> int | None:
        value = self.values.get(name, "")
        if not value and not required:
            return None
        if not _DAYS.match(value) or not 0 < int(value) <= MAX_DAYS:
            self.problems[name] = translate("model_editor.value.integer", label=self._label(name))
            return None
        return int(value)

    def ticked(self, name: str) -> bool:
        return self.values.get(name, "") in ("on", "true", "1")


def _document_patch(overlay: dict[str, Any], doc: str) -> dict[str, Any]:
    documents: dict[str, Any] = overlay.setdefault("documents", {})
    patch: dict[str, Any] = documents.setdefault(doc, {})
    return patch


def _doc_pointer(doc: str, *tokens: str | int) -> str:
    return pointers.join("/documents", doc, *tokens)


def placements(document: Mapping[str, Any]) -> list[tuple[str, str]]:
    """`form/section` and its label for every section of the document's citizen forms."""
    found = []
    for form_key, form in document.get("forms", {}).items():
        if form.get("audience") != "citizen":
            continue
        for section in form.get("sections", []):
            found.append(
                (
                    f"{form_key}/{section['key']}",
                    f"{form.get('label', form_key)} · {section['label']}",
                )
            )
    return found


def add_field(
    overlay: Mapping[str, Any], doc: str, document: Mapping[str, Any], form: Mapping[str, str]
) -> Edit:
    """A new local field (key, label, type, required, help), placed on a citizen form."""
    read = _Reader(
        form,
        {
            "key": "model_editor.fields.key",
            "label": "model_editor.fields.label",
            "type": "model_editor.fields.type",
            "help": "model_editor.edit.help",
            "placement": "model_editor.edit.field_form",
        },
    )
    key = read.text("key", limit=MAX_KEY)
    label = read.text("label")
    kind = read.choice("type", FIELD_TYPES)
    help_text = read.text("help", required=False, limit=MAX_HELP)
    placement = read.choice("placement", [p for p, _ in placements(document)], required=False)
    if key and key in document.get("fields", {}) and "key" not in read.problems:
        read.problems["key"] = translate("model_editor.value.key_exists", key=key)
    candidate = copy.deepcopy(dict(overlay))
    at = _doc_pointer(doc, "fields", key)
    definition: dict[str, Any] = {"type": kind, "label": label}
    if read.ticked("required"):
        definition["required"] = True
    if help_text:
        definition["help"] = help_text
    _document_patch(candidate, doc).setdefault("fields", {})[key] = definition
    controls = [
        (_doc_pointer(doc, "fields"), "key"),
        (at, "key"),
        *((pointers.join(at, name), name) for name in ("type", "label", "help", "required")),
    ]
    if placement:
        form_key, section = placement.split("/", 1)
        sections = (
            _document_patch(candidate, doc)
            .setdefault("forms", {})
            .setdefault(form_key, {})
            .setdefault("sections", {})
        )
        sections.setdefault(section, {}).setdefault("add_fields", []).append(key)
        controls.append((_doc_pointer(doc, "forms", form_key), "placement"))
    return Edit(candidate, controls, read.problems)


def code_lists(document: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(key, label) of every code list the document uses, its own and the shared ones."""
    return [(key, str(cl.get("label", key))) for key, cl in document.get("code_lists", {}).items()]


def add_code(
    overlay: Mapping[str, Any],
    doc: str,
    document: Mapping[str, Any],
    shared: Sequence[str],
    form: Mapping[str, str],
) -> Edit:
    """A new value (code, label) in one of the document's code lists; a shared list's
    values go to the overlay's `code_lists`, the document's own to the document."""
    read = _Reader(
        form,
        {
            "list": "model_editor.edit.code_list",
            "code": "model_editor.edit.code",
            "label": "model_editor.edit.code_label",
        },
    )
    listed = read.choice("list", [k for k, _ in code_lists(document)])
    code = read.text("code", limit=MAX_KEY)
    label = read.text("label")
    candidate = copy.deepcopy(dict(overlay))
    if listed in shared:
        target = candidate.setdefault("code_lists", {})
        at = pointers.join("/code_lists", listed)
    else:
        target = _document_patch(candidate, doc).setdefault("code_lists", {})
        at = _doc_pointer(doc, "code_lists", listed)
    added: list[Any] = target.setdefault(listed, {}).setdefault("add", [])
    added.append({"code": code, "label": label})
    value_at = pointers.join(at, "add", len(added) - 1)
    controls = [
        (at, "list"),
        (_doc_pointer(doc, "code_lists", listed), "list"),
        (value_at, "code"),
        (pointers.join(value_at, "code"), "code"),
        (pointers.join(value_at, "label"), "label"),
    ]
    return Edit(candidate, controls, read.problems)


def optional_fields(document: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(key, label) of the fields that may be made required: optional and not internal."""
    return [
        (key, str(f.get("label", key)))
        for key, f in document.get("fields", {}).items()
        if not f.get("required") and not f.get("internal")
    ]


def require(
    overlay: Mapping[str, Any], doc: str, document: Mapping[str, Any], form: Mapping[str, str]
) -> Edit:
    """An optional field made required."""
    read = _Reader(form, {"field": "model_editor.edit.require_field"})
    key = read.choice("field", list(document.get("fields", {})))
    candidate = copy.deepcopy(dict(overlay))
    patch = _document_patch(candidate, doc).setdefault("fields", {}).setdefault(key, {})
    patch["required"] = True
    return Edit(candidate, [(_doc_pointer(doc, "fields", key), "field")], read.problems)


def route_steps(document: Mapping[str, Any]) -> list[tuple[str, str, list[tuple[str, str]]]]:
    """(route key, label, [(step key, label)]) of the document's routes."""
    return [
        (
            key,
            str(r.get("label", key)),
            [(s["key"], str(s.get("label", s["key"]))) for s in r["steps"]],
        )
        for key, r in document.get("routes", {}).items()
    ]


def insert_step(
    overlay: Mapping[str, Any],
    doc: str,
    document: Mapping[str, Any],
    roles: Sequence[str],
    form: Mapping[str, str],
) -> Edit:
    """A local approval step after one of the route's steps, with its role and limit."""
    read = _Reader(
        form,
        {
            "route": "model_editor.edit.route",
            "after": "model_editor.edit.after",
            "key": "model_editor.edit.step_key",
            "label": "model_editor.edit.step_label",
            "kind": "model_editor.edit.step_kind",
            "role": "model_editor.edit.role",
            "time_limit_days": "model_editor.edit.time_limit",
            "on_reject": "model_editor.edit.on_reject",
        },
    )
    routes = document.get("routes", {})
    route = read.choice("route", list(routes))
    steps = [s["key"] for s in routes.get(route, {}).get("steps", [])]
    after = read.choice("after", steps)
    key = read.text("key", limit=MAX_KEY)
    label = read.text("label")
    kind = read.choice("kind", STEP_KINDS)
    role = read.choice("role", roles)
    days = read.days("time_limit_days", required=False)
    on_reject = read.choice("on_reject", ON_REJECT)
    step: dict[str, Any] = {"key": key, "label": label, "kind": kind, "role": role}
    if days is not None:
        step["time_limit_days"] = days
    step["on_reject"] = on_reject
    if read.ticked("mandatory"):
        step["mandatory"] = True
    candidate = copy.deepcopy(dict(overlay))
    route_patch = _document_patch(candidate, doc).setdefault("routes", {}).setdefault(route, {})
    inserted: list[Any] = route_patch.setdefault("insert", [])
    inserted.append({"after": after, "step": step})
    at = _doc_pointer(doc, "routes", route, "insert", len(inserted) - 1)
    # the route's own checks name the step where it lands in the effective route
    landed = _doc_pointer(
        doc, "routes", route, "steps", steps.index(after) + 1 if after in steps else 0
    )
    controls = [
        (_doc_pointer(doc, "routes", route), "route"),
        (at, "after"),
        (pointers.join(at, "after"), "after"),
        (pointers.join(at, "step"), "key"),
        (landed, "key"),
    ]
    for base in (pointers.join(at, "step"), landed):
        controls += [(pointers.join(base, name), name) for name in ("key", "label", "kind", "role")]
        controls += [
            (pointers.join(base, "time_limit_days"), "time_limit_days"),
            (pointers.join(base, "on_reject"), "on_reject"),
            (pointers.join(base, "mandatory"), "mandatory"),
        ]
    return Edit(candidate, controls, read.problems)


def promise(
    overlay: Mapping[str, Any], doc: str, document: Mapping[str, Any], form: Mapping[str, str]
) -> Edit:
    """A route's promised limit, in working days (shorter only: the rules say so)."""
    read = _Reader(
        form, {"route": "model_editor.edit.route", "days": "model_editor.edit.promised_days"}
    )
    route = read.choice("route", list(document.get("routes", {})))
    days = read.days("days")
    candidate = copy.deepcopy(dict(overlay))
    route_patch = _document_patch(candidate, doc).setdefault("routes", {}).setdefault(route, {})
    route_patch["promised_days"] = days
    at = _doc_pointer(doc, "routes", route)
    return Edit(
        candidate, [(at, "route"), (pointers.join(at, "promised_days"), "days")], read.problems
    )


def control_for(pointer: str, controls: Sequence[tuple[str, str]]) -> str | None:
    """The control a refusal at `pointer` belongs to: the longest pointer it falls under."""
    best: tuple[int, str] | None = None
    for prefix, control in controls:
        under = pointer == prefix or pointer.startswith(prefix + "/")
        if under and (best is None or len(prefix) > best[0]):
            best = (len(prefix), control)
    return best[1] if best else None
