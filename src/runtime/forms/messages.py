"""Messages of the forms room: the pages' own texts and what a typed value can get wrong."""

from __future__ import annotations

from typing import Final

from yiwang.platform.messages import DEFAULT_LOCALE, register

ZH_CN: Final[dict[str, str]] = {
    "forms.value.integer": "“{label}”应填写整数。",
    "forms.value.number": "“{label}”应填写数字。",
    "forms.value.money": "“{label}”应填写金额（元），最多两位小数，如 1234.50。",
    "forms.value.upload_later": "“{label}”须通过附件上传接口提交，此页面暂不接收文件。",
    "forms.options.field_unknown": "表单“{form}”中没有可选择取值的字段“{field}”。",
    "forms.page.invalid": "提交的内容有 {count} 处需要修改，请对照各项下方的提示。",
    "forms.page.valid": "校验通过",
    "forms.page.valid_detail": "填写的内容符合要求。提交保存将在办件功能上线后开放。",
    "forms.page.required_hint": "带 * 的为必填项。",
    "forms.page.add_row": "添加一行",
    "forms.page.remove_row": "删除本行",
    "forms.page.row": "第 {row} 行",
    "forms.page.choose": "请选择",
    "forms.page.yes": "是",
    "forms.page.no": "否",
    "forms.page.yuan": "元",
    "forms.page.submit": "提交",
    "forms.page.errors_title": "请修改以下问题",
    "forms.page.file_hint": "可上传的类型：{accept}",
    "forms.page.file_stored": "已上传：{name}（再次选择文件可替换）",
    "forms.page.back": "返回首页",
}

register("forms", DEFAULT_LOCALE, ZH_CN)
