"""Any form descriptor as accessible HTML, with the person's input and the server's errors.

`render_form` is what pages embed (the citizen portal and the console will):
one `<fieldset>` per section with its `<legend>`, a `<label>` for every
control (a `<fieldset>` for radio and checkbox groups), required fields
marked (`*` and `required`/`aria-required`), help and errors tied to their
control by `aria-describedby`, `aria-invalid` on what is wrong, and every
error also listed at the top, linked to its field. Errors are found by the
JSON pointers of `FormInvalid`'s details. It needs no JavaScript: a table
grows with a "添加一行" submit button that re-renders the form.

Templates are the platform's own (Jinja2, autoescape on); users edit none.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from yiwang.metadata.documents import pointers
from yiwang.platform.errors import ErrorDetail
from yiwang.platform.i18n import translate
from yiwang.runtime.forms.fields import FieldSpec, conditionally_required, form_specs
from yiwang.runtime.forms.values import (
    ADD_ROW,
    FILE_PREFIX,
    REMOVE_ROW,
    Submission,
    typed_from_payload,
)

#: picker choices by field key (or `table.column`): (value, label)
Choices = Mapping[str, Sequence[tuple[str, str]]]


@cache
def environment() -> Environment:
    """The forms room's Jinja environment: its own templates, autoescape always on."""
    env = Environment(
        loader=PackageLoader("yiwang.runtime.forms", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
        # templates ship with the package and change only with a new process: no stat()
        # of every template and include on every render
        auto_reload=False,
    )
    env.globals["t"] = lambda code, **params: translate(code, **params)
    return env


@dataclass
class Control:
    """One control as the template draws it."""

    spec: FieldSpec
    name: str
    id: str
    value: Any
    errors: list[str] = field(default_factory=list)
    choices: Sequence[tuple[str, str]] = ()
    required: bool = False
    conditional: bool = False
    rows: list[list[Control]] = field(default_factory=list)

    @property
    def help_id(self) -> str | None:
        return f"{self.id}-help" if self.spec.help else None

    @property
    def error_id(self) -> str | None:
        return f"{self.id}-error" if self.errors else None

    @property
    def described_by(self) -> str:
        return " ".join(i for i in (self.help_id, self.error_id) if i)


def _id(*tokens: str | int) -> str:
    return "f-" + "-".join(str(t) for t in tokens)


def _anchor(tokens: list[str], specs: Mapping[str, FieldSpec]) -> str | None:
    """The id of the control an error's pointer belongs to (a table cell, or the field)."""
    if not tokens or tokens[0] not in specs:
        return None
    spec = specs[tokens[0]]
    cell = spec.kind == "table" and len(tokens) >= 3 and tokens[1].isdigit()
    if cell and any(c.key == tokens[2] for c in spec.columns):
        return _id(tokens[0], tokens[1], tokens[2])
    return _id(tokens[0])


def render_form(
    descriptor: Mapping[str, Any],
    values: Mapping[str, Any] | Submission | None = None,
    errors: Sequence[ErrorDetail] = (),
    *,
    action: str = "",
    choices: Choices | None = None,
    csrf_token: str | None = None,
    hidden: Mapping[str, str] | None = None,
    uploads: bool = False,
    actions: Sequence[tuple[str, str]] = (),
) -> Markup:
    """The descriptor's form as HTML, showing `values` and `errors` beside their fields.

    `values` is a payload (a stored record, or nothing: the defaults) or the
    `Submission` read from a post (what the person typed, kept as typed).
    `errors` are `FormInvalid`'s details (and a submission's own problems).
    `csrf_token` (the visitor's `yiwang_csrf` cookie) travels in the `_csrf`
    field, which the edge checks on a post that carries a session.
    `uploads`: the page takes `multipart/form-data` and stores the files itself; a
    file field shows what it already holds (kept in `values.FILE_PREFIX` fields).
    `actions`: more submit buttons (name, label) beside 提交, such as 保存草稿.
    """
    specs = form_specs(descriptor)
    submission = (
        values if isinstance(values, Submission) else typed_from_payload(descriptor, values or {})
    )
    choices = choices or {}
    by_anchor: dict[str, list[str]] = {}
    summary: list[tuple[str | None, str]] = []
    for detail in errors:
        anchor = _anchor(list(pointers.tokens(detail.pointer or "")), specs)
        text = detail.message()
        summary.append((anchor, text))
        if anchor is not None:
            by_anchor.setdefault(anchor, []).append(text)
    conditional = conditionally_required(descriptor["schema"])

    def control(spec: FieldSpec, name: str, ident: str, path: str, required: bool) -> Control:
        return Control(
            spec=spec,
            name=name,
            id=ident,
            value=submission.typed.get(name, [] if spec.kind == "codes" else ""),
            errors=by_anchor.get(ident, []),
            choices=choices.get(path, ()) if spec.kind == "picker" else spec.choices,
            required=required,
            conditional=spec.key in conditional and not required,
        )

    controls: dict[str, Control] = {}
    for key, spec in specs.items():
        ctl = control(spec, key, _id(key), key, spec.required)
        if spec.kind == "table":
            for row in range(max(submission.rows.get(key, 1), 1)):
                ctl.rows.append(
                    [
                        control(
                            col,
                            f"{key}.{row}.{col.key}",
                            _id(key, row, col.key),
                            f"{key}.{col.key}",
                            col.required,
                        )
                        for col in spec.columns
                    ]
                )
        controls[key] = ctl
    sections = [
        {"title": s["title"], "key": s["key"], "controls": [controls[k] for k in s["fields"]]}
        for s in descriptor["ui_schema"]["ui:options"]["sections"]
    ]
    html = (
        environment()
        .get_template("form.html")
        .render(
            descriptor=descriptor,
            sections=sections,
            summary=summary,
            action=action,
            add_row=ADD_ROW,
            remove_row=REMOVE_ROW,
            csrf_token=csrf_token,
            hidden=dict(hidden or {}),
            uploads=uploads,
            file_prefix=FILE_PREFIX,
            actions=actions,
        )
    )
    return Markup(html)


def render_page(template: str, **context: Any) -> str:
    """A whole page of the forms room (the form page and its confirmation)."""
    return environment().get_template(template).render(**context)
