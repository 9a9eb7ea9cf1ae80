"""Messages of the supervision room (Simplified Chinese)."""

from __future__ import annotations

from typing import Final

from yiwang.platform.messages import DEFAULT_LOCALE, register

ZH_CN: Final[dict[str, str]] = {
    "supervision.query_invalid": "监察查询有误，共 {count} 处问题。",
    "supervision.parameter_unknown": "不认识的查询参数“{name}”。",
    "supervision.parameter_repeated": "查询参数“{name}”只能出现一次。",
    "supervision.field_unknown": "没有名为“{field}”的字段，可用：{allowed}。",
    "supervision.overlay_field_invalid": "地区扩展字段名“{field}”不合法：应以 x_ 开头，由小写字母、数字和下划线组成。",
    "supervision.group_unindexed": "跨地区查询不能按扩展字段“{field}”分组：该字段没有跨地区索引。",
    "supervision.group_unknown": "不能按“{field}”分组，可分组：{allowed}。",
    "supervision.operator_invalid": "“{field}”不支持“{op}”筛选，可用：{allowed}。",
    "supervision.value_invalid": "“{field}”的筛选值“{value}”无效，应为{expected}。",
    "supervision.sort_invalid": "不能按“{field}”排序，可排序：{allowed}。",
    "supervision.limit_invalid": "条数应为 1 至 {max} 之间的整数，实际为“{value}”。",
    "supervision.period_invalid": "统计周期“{value}”无效：应为 2026、2026-Q3、2026-07 或 2026-07-01..2026-07-31 这样的格式。",
    "supervision.period_reversed": "统计周期的结束日期 {end} 早于开始日期 {start}。",
    "supervision.period_too_long": "统计周期最长 {max} 天，实际 {days} 天。",
    "supervision.metric_unknown": "没有名为“{metric}”的监察指标，可用：{allowed}。",
    "supervision.format_invalid": "导出格式只能为 csv 或 xlsx，实际为“{value}”。",
    "supervision.export_not_found": "未找到该导出。",
    "supervision.export_not_ready": "导出尚未完成（{state}），请稍后再下载。",
    "supervision.export_failed": "导出失败，请重新导出。",
    "supervision.export_expired": "导出文件只保留 {days} 天，这份已超过期限被删除，请重新导出。",
    "supervision.timed_out": "查询超过 {seconds} 秒仍未完成，已中止：请缩小范围（地区、周期或筛选条件）。",
    "supervision.case_not_found": "未找到办件 {number}。",
    "supervision.order_not_found": "未找到督办单 {id}。",
    "supervision.order_target_invalid": "督办单须指向一个办件或一个部门（只能二选一）。",
    "supervision.order_days_invalid": "答复期限应为 1 至 {max} 个工作日，实际为 {value}。",
    "supervision.order_closed": "督办单 {id} 已{status}，不能再答复。",
    "supervision.text_required": "请填写{what}。",
    "supervision.text_too_long": "{what}最多 {max} 个字。",
    "supervision.grade_invalid": "评价等级应为 1（非常不满意）至 5（非常满意），实际为 {value}。",
    "supervision.evaluation_not_found": "未找到评价 {id}。",
    "supervision.evaluation_not_bad": "评价 {id} 不是差评，无需整改。",
    "supervision.complaint_not_found": "未找到投诉 {id}。",
    "supervision.already_done": "{what} {id} 已处理，不能重复处理。",
    "supervision.grade.1": "非常不满意",
    "supervision.grade.2": "不满意",
    "supervision.grade.3": "基本满意",
    "supervision.grade.4": "满意",
    "supervision.grade.5": "非常满意",
}

register("runtime.supervision", DEFAULT_LOCALE, ZH_CN)
