"""Form descriptions for existing front-ends: react-jsonschema-form and JSON Forms.

Both pair the form's data schema (`form_schema`) with a UI description
generated here, in the vocabulary each client accepts without code of ours:
labels of code values (rjsf `ui:enumNames`; JSON Forms translation keys),
radio buttons, the submit text, the section layout.

What no stock widget does well is declared as a **widget contract** under
`yiwang` in a field's options, for a client to register once:

- `yiwang-file` (attachment, attachments): the value is the upload's
  `{key, name, size, content_type, sha256}` (a list when `multiple`); the
  widget POSTs to `upload` (presigned) and stores what it answers.
- `yiwang-picker` (department, division, reference): the chosen `value`,
  from a select filled by GET `options` (`{"options": [{"value", "label"}]}`).
- `yiwang-money` (money): an integer number of 分, shown and typed in 元
  with two decimals.

In rjsf the contract is a custom *field* (`ui:field`): an unregistered field
name falls back to the stock one, where an unknown `ui:widget` throws, and
objects and lists take fields, not widgets. In JSON Forms it is
`options.yiwang.widget`, for a renderer whose tester reads it; table rows are
laid out by `options.detail`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from yiwang.metadata.generators.form_schema import citizen_fields, form_schema
from yiwang.metadata.resolution.resolve import EffectiveModel

#: at most this many code values render as radio buttons rather than a select
_RADIO_LIMIT: Final = 5
FILE_WIDGET: Final = "yiwang-file"
PICKER_WIDGET: Final = "yiwang-picker"
MONEY_WIDGET: Final = "yiwang-money"
_PICKED: Final = frozenset({"department", "division", "reference"})

#: the chrome rjsf asks `translateString` for, by its English source text
RJSF_STRINGS: Final[Mapping[str, str]] = {
    "Item": "第 %1 项",
    "Missing items definition": "缺少列表项定义",
    "No items yet. Use the button below to add some.": "尚未填写，请用下方按钮添加。",
    "Yes": "是",
    "No": "否",
    "Close": "关闭",
    "Errors": "请修改以下问题",
    "New Value": "新值",
    "Add": "添加",
    "Add Item": "添加一行",
    "Copy": "复制",
    "Move down": "下移",
    "Move up": "上移",
    "Remove": "删除",
    "Now": "现在",
    "Clear": "清除",
    "Select a date": "选择日期",
    "Preview": "预览",
    "clear input": "清空",
    "Option %1": "选项 %1",
    "Unsupported field schema.": "不支持的字段定义。",
}
#: JSON Forms' own keys for a list's buttons and texts
_ARRAY_TEXTS: Final[Mapping[str, str]] = {
    "addTooltip": "添加一行",
    "addAriaLabel": "添加一行",
    "removeTooltip": "删除",
    "removeAriaLabel": "删除本行",
    "upAriaLabel": "上移",
    "downAriaLabel": "下移",
    "up": "上移",
    "down": "下移",
    "noSelection": "未选择",
    "noDataMessage": "尚未填写",
    "deleteDialogTitle": "确认删除",
    "deleteDialogMessage": "确定删除这一行吗？",
    "deleteDialogAccept": "删除",
    "deleteDialogDecline": "取消",
}
CHROME: Final[Mapping[str, str]] = {
    "submit": "提交",
    "required_marker": "*",
    "choose": "请选择",
    "upload": "上传文件",
    "no_file": "尚未上传文件",
    "remove_file": "删除文件",
    "add_row": "添加一行",
    "remove_row": "删除本行",
    "yes": "是",
    "no": "否",
    "yuan": "元",
}


def widget_urls(code: str, key: str, form_key: str) -> dict[str, str]:
    """Where the widgets talk to: the upload API and the options endpoint (a template)."""
    return {
        "upload": f"/api/v1/t/{code}/attachments",
        "options": f"/api/v1/t/{code}/forms/{key}/{form_key}/options/{{field}}",
    }


def _codes(document: Mapping[str, Any], field: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    code_list = document.get("code_lists", {}).get(field.get("code_list", ""), {})
    return list(code_list.get("values", []))


def widget_contract(
    field: Mapping[str, Any], path: str, urls: Mapping[str, str]
) -> dict[str, Any] | None:
    """The `yiwang` options of a field that needs one of our widgets, else None.

    `path` is the field's key, or `table.column` for a column.
    """
    kind = field["type"]
    if kind in ("attachment", "attachments"):
        contract: dict[str, Any] = {
            "widget": FILE_WIDGET,
            "multiple": kind == "attachments",
            "upload": urls["upload"],
        }
        for name in ("accept", "max_size", "min_items", "max_items"):
            if name in field:
                contract[name] = field[name]
        return contract
    if kind in _PICKED:
        contract = {
            "widget": PICKER_WIDGET,
            "kind": kind,
            "options": urls["options"].replace("{field}", path),
        }
        if kind == "reference":
            contract["ref_type"] = field["ref_type"]
        return contract
    if kind == "money":
        return {"widget": MONEY_WIDGET, "unit": "元", "decimals": 2, "stored_as": "分"}
    return None


def yes_or_no(schema_property: Mapping[str, Any]) -> bool:
    """A required yes-or-no question (`enum: [true, false]`): two radio buttons."""
    return schema_property.get("enum") == [True, False]


def must_tick(schema_property: Mapping[str, Any]) -> bool:
    """A box the form requires ticked (`enum: [true]`, folded from a condition rule)."""
    return schema_property.get("enum") == [True]


def _rjsf_field(
    document: Mapping[str, Any],
    field: Mapping[str, Any],
    path: str,
    urls: Mapping[str, str],
    *,
    required: bool,
    ticked: bool,
) -> dict[str, Any]:
    kind = field["type"]
    ui: dict[str, Any] = {}
    if kind == "long_text":
        ui["ui:widget"] = "textarea"
    elif kind == "code":
        values = _codes(document, field)
        ui["ui:widget"] = "radio" if len(values) <= _RADIO_LIMIT else "select"
        ui["ui:enumNames"] = [v["label"] for v in values]
        if len(values) > _RADIO_LIMIT:
            ui["ui:placeholder"] = CHROME["choose"]
    elif kind == "multi_code":
        ui["ui:widget"] = "checkboxes"
        ui["items"] = {"ui:enumNames": [v["label"] for v in _codes(document, field)]}
    elif kind == "boolean" and required and not ticked:
        # an unticked box says nothing: a required yes-or-no question is two buttons
        ui["ui:widget"] = "radio"
        ui["ui:enumNames"] = [CHROME["yes"], CHROME["no"]]
    elif kind == "datetime":
        ui["ui:widget"] = "datetime"
    elif kind == "table":
        columns = field["columns"]
        row_required = {k for k, c in columns.items() if c.get("required")}
        ui["items"] = {"ui:order": list(columns)} | {
            col_key: _rjsf_field(
                document,
                col,
                f"{path}.{col_key}",
                urls,
                required=col_key in row_required,
                ticked=False,
            )
            for col_key, col in columns.items()
        }
    if field.get("placeholder"):
        ui["ui:placeholder"] = field["placeholder"]
    contract = widget_contract(field, path, urls)
    if contract is not None:
        ui["ui:field"] = contract["widget"]
        ui["ui:options"] = {"yiwang": contract}
    return ui


def rjsf_ui_schema(effective: EffectiveModel, key: str, form_key: str, code: str) -> dict[str, Any]:
    """A react-jsonschema-form `uiSchema`: order, widgets, labels, sections, submit text.

    Help is the schema's `description`, shown once (never also `ui:help`).
    RJSF has no sections; they are listed under `ui:options.sections` for a
    client layout, and the order follows them.
    """
    document = effective.document(key)
    fields = document["fields"]
    form = document["forms"][form_key]
    shown = citizen_fields(document, form_key)
    schema = form_schema(effective, key, form_key)
    required = set(schema.get("required", []))
    urls = widget_urls(code, key, form_key)
    ui: dict[str, Any] = {
        "ui:order": shown,
        "ui:title": form["label"],
        "ui:submitButtonOptions": {"submitText": CHROME["submit"], "norender": False},
        "ui:options": {
            "sections": [
                {
                    "key": s["key"],
                    "title": s["label"],
                    "fields": [k for k in s["fields"] if k in shown],
                }
                | ({"visible_when": s["visible_when"]} if "visible_when" in s else {})
                for s in form["sections"]
            ]
        },
    }
    for name in shown:
        field_ui = _rjsf_field(
            document,
            fields[name],
            name,
            urls,
            required=name in required,
            ticked=must_tick(schema["properties"].get(name, {})),
        )
        if field_ui:
            ui[name] = field_ui
    return ui


def _as_radio(
    document: Mapping[str, Any],
    field: Mapping[str, Any],
    schema_property: Mapping[str, Any] | None,
) -> bool:
    if field["type"] == "code":
        return len(_codes(document, field)) <= _RADIO_LIMIT
    return field["type"] == "boolean" and yes_or_no(schema_property or {})


def _jsonforms_control(
    document: Mapping[str, Any],
    key: str,
    field: Mapping[str, Any],
    path: str,
    urls: Mapping[str, str],
    schema_property: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    control: dict[str, Any] = {
        "type": "Control",
        "scope": f"#/properties/{key}",
        "label": field["label"],
    }
    options: dict[str, Any] = {}
    kind = field["type"]
    if kind == "long_text":
        options["multi"] = True
    elif _as_radio(document, field, schema_property):
        options["format"] = "radio"
    elif kind == "table":
        options["detail"] = {
            "type": "VerticalLayout",
            "elements": [
                _jsonforms_control(document, col_key, col, f"{path}.{col_key}", urls)
                for col_key, col in field["columns"].items()
            ],
        }
    if field.get("placeholder"):
        options["placeholder"] = field["placeholder"]
    contract = widget_contract(field, path, urls)
    if contract is not None:
        options["yiwang"] = contract
    if options:
        control["options"] = options
    return control


def jsonforms_ui_schema(
    effective: EffectiveModel, key: str, form_key: str, code: str
) -> dict[str, Any]:
    """A JSON Forms `uischema`: one Group per section, conditional ones behind a SHOW rule."""
    document = effective.document(key)
    fields = document["fields"]
    shown = set(citizen_fields(document, form_key))
    properties = form_schema(effective, key, form_key)["properties"]
    urls = widget_urls(code, key, form_key)
    groups: list[dict[str, Any]] = []
    for section in document["forms"][form_key]["sections"]:
        group: dict[str, Any] = {
            "type": "Group",
            "label": section["label"],
            "elements": [
                _jsonforms_control(document, k, fields[k], k, urls, properties.get(k))
                for k in section["fields"]
                if k in shown
            ],
        }
        if "visible_when" in section:
            group["rule"] = {
                "effect": "SHOW",
                "condition": {"scope": "#", "schema": section["visible_when"]},
            }
        groups.append(group)
    return {"type": "VerticalLayout", "elements": groups}


def jsonforms_translations(
    effective: EffectiveModel, key: str, form_key: str, messages: Mapping[str, Mapping[str, str]]
) -> dict[str, str]:
    """What JSON Forms' `i18n.translate` is asked for, by key: code labels
    (`<path>.<code>`), list buttons (`<path>.addTooltip`), error messages
    (`<path>.error.<keyword>`, the server's own texts; `{row}` stands for the
    1-based row of a table) and `enum.none`. Paths are dotted, without row
    numbers, as JSON Forms builds them."""
    document = effective.document(key)
    fields = document["fields"]
    out: dict[str, str] = {"enum.none": CHROME["choose"]}

    def field_keys(path: str, field: Mapping[str, Any]) -> None:
        if field["type"] in ("code", "multi_code"):
            for value in _codes(document, field):
                out[f"{path}.{value['code']}"] = value["label"]
        if field["type"] in ("table", "multi_code", "attachments"):
            for name, text in _ARRAY_TEXTS.items():
                out[f"{path}.{name}"] = text
        for col_key, col in field.get("columns", {}).items():
            field_keys(f"{path}.{col_key}", col)

    properties = form_schema(effective, key, form_key)["properties"]
    for name in citizen_fields(document, form_key):
        field_keys(name, fields[name])
        if yes_or_no(properties.get(name, {})):
            out[f"{name}.true"], out[f"{name}.false"] = CHROME["yes"], CHROME["no"]
    for pointer, by_keyword in messages.items():
        path = ".".join(t for t in pointer.split("/")[1:] if t != "*")
        for keyword, text in by_keyword.items():
            out[f"{path}.error.{keyword}"] = text
    return out
