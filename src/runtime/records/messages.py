"""Messages of records: types, bodies, versions, idempotency, platform fields, rules."""

from __future__ import annotations

from typing import Final

from yiwang.platform.messages import DEFAULT_LOCALE, register

ZH_CN: Final[dict[str, str]] = {
    # spreadsheet imports (a cell's problem; the sheet names its row, column and header)
    "records.import.number": "应为数字。",
    "records.import.integer": "应为整数。",
    "records.import.money": "应为以元为单位的金额，最多两位小数。",
    "records.import.boolean": "应为“是”或“否”。",
    "records.import.code_unknown": "没有“{value}”这一选项，请填写选项的名称或代码。",
    "records.import.not_xlsx": "导入的文件应为 Excel 工作簿（.xlsx），请求的内容类型为“{content_type}”。",
    "records.type_unknown": "本地区没有“{type}”类事项，或该类事项不能单独建立记录。",
    "records.not_found": "未找到编号为 {id} 的{type_label}记录。",
    "records.body_invalid": "请求内容应为 JSON 对象，{detail}。",
    "records.data_not_object": "“{part}”应为 JSON 对象。",
    "records.form_unexpected": "{type_label}没有业务表单，请求中不应包含“form”。",
    "records.form_missing": "所办事项指定了业务表单“{form}”，请填写业务表单内容（form）。",
    "records.form_unknown": "所办事项指定的业务表单“{form}”在本地区不存在，请联系事项主管部门。",
    "records.created_elsewhere": "{type_label}不能在这里直接新建：其中部分内容由平台根据办理途径填写，请通过相应的办理入口提交。",
    "records.pii_forbidden": "您没有查看完整个人信息的权限，个人信息只能以脱敏形式显示。",
    "records.attachment_unchecked": "此处无法核验附件，不能保存含附件的内容，请通过网上办事或工作台上传。",
    "records.platform_filled": "“{label}”由平台根据办理途径自动填写，不能在请求中提交。",
    "records.stale": "该记录已被他人修改（当前版本 {current}，您提交的是版本 {given}），请刷新后重试。",
    "records.version_required": "修改或删除记录时须通过 If-Match 请求头说明所依据的版本。",
    "records.version_invalid": 'If-Match 中的版本“{value}”无效，应为记录的 ETag，例如 "3"。',
    "records.deleted": "该记录已删除，不能再修改。",
    "records.not_deleted": "该记录未被删除，无需恢复。",
    "records.idempotency_key_required": "新建记录须带 Idempotency-Key 请求头，以免重复提交。",
    "records.idempotency_key_invalid": "Idempotency-Key 应为 1 至 255 个可见 ASCII 字符。",
    "records.idempotency_mismatch": "该 Idempotency-Key 已用于另一份内容不同的请求，请为新请求换一个键。",
    "records.other_department": "您只能处理本部门（{department}）的记录，不能为“{given}”新建或修改。",
    "records.rule_broken": "保存失败：违反了{count}条清单规则。",
    "records.rule_max": "违反规则“{rule_label}”：{group}已有 {count} 项，最多 {limit} 项。",
    "records.rule_unique": "违反规则“{rule_label}”：{group}的记录已存在。",
    "records.service_unknown": "未找到该政务服务事项，或事项已停止办理。",
    "records.service_not_online": "事项“{name}”暂不支持网上申报，请到办理地点申请。",
    "records.service_incomplete": "事项“{name}”缺少{detail}，暂不能申请，请联系事项主管部门。",
    "records.samples_invalid": "示例内容第 {index} 条（{type}）不符合本地区的元数据：{detail}",
    "records.purged": "已清理 {count} 个超过保留期的幂等键。",
}

register("runtime.records", DEFAULT_LOCALE, ZH_CN)
