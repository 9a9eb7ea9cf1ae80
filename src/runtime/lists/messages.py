"""Messages of list views: views, filters, sorting, cursors, search, indexes."""

from __future__ import annotations

from typing import Final

from yiwang.platform.messages import DEFAULT_LOCALE, register

ZH_CN: Final[dict[str, str]] = {
    "lists.invalid": "列表查询有误，共 {count} 处问题。",
    "lists.view_not_public": "“{type_label}”没有公开的列表“{view}”。",
    "lists.view_unknown": "“{type_label}”没有名为“{view}”的列表视图。",
    "lists.parameter_unknown": "不认识的查询参数“{name}”。",
    "lists.parameter_repeated": "查询参数“{name}”只能出现一次。",
    "lists.filter_not_allowed": "列表“{view_label}”不能按“{field}”筛选。",
    "lists.filter_operator": "“{label}”不支持“{op}”筛选，可用：{allowed}。",
    "lists.filter_value": "“{label}”的筛选值“{value}”无效，应为{expected}。",
    "lists.filter_code_unknown": "“{label}”没有代码为“{value}”的选项。",
    "lists.sort_not_allowed": "列表“{view_label}”不能按“{field}”排序，可排序：{allowed}。",
    "lists.sort_repeated": "排序中“{field}”出现了不止一次。",
    "lists.limit_invalid": "每页条数应为 1 至 {max} 之间的整数，实际为“{value}”。",
    "lists.cursor_invalid": "翻页标记无效或已过期（筛选或排序已改变），请从第一页重新查询。",
    "lists.personal_invalid": "参数 personal 只能为 masked 或 full。",
    "lists.search.unavailable": "本平台尚未启用全文检索，请改用筛选条件。",
    "lists.search.too_long": "搜索内容过长：最多 {limit} 个字，实际 {actual} 个字。",
    "lists.search.too_many_terms": "搜索词过多：最多 {limit} 个（以空格分隔），实际 {actual} 个。",
    "lists.timed_out": "查询超过 {seconds} 秒仍未完成，已中止：请缩小范围（筛选或搜索条件）后重试。",
    # exports
    "lists.export.format_invalid": "导出格式只能为 xlsx 或 csv，实际为“{value}”。",
    "lists.export.not_found": "没有这次导出，或导出文件已过期。",
    "lists.export.not_ready": "导出尚未完成（{state}），请稍后再下载。",
    "lists.export.failed": "导出失败，请重新导出。",
    "lists.export.expired": "导出文件只保留 {days} 天，这份已超过期限被删除，请重新导出。",
    "lists.export.public_too_large": "符合条件的共 {rows} 条，超过公开导出的上限 {limit} 条，请先用筛选或搜索缩小范围。",
    "lists.export.status.active": "有效",
    "lists.export.status.submitted": "已提交",
    "lists.export.status.in_review": "审查中",
    "lists.export.status.supplement_requested": "待补正",
    "lists.export.status.decided": "已决定",
    "lists.export.status.closed": "已办结",
}

register("runtime.lists", DEFAULT_LOCALE, ZH_CN)
