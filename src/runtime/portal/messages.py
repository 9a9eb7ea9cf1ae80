"""Messages of the portal room: the subsites' own texts."""

from __future__ import annotations

from typing import Final

from yiwang.platform.messages import DEFAULT_LOCALE, register

ZH_CN: Final[dict[str, str]] = {
    "portal.home": "首页",
    "portal.theme.approval": "行政审批",
    "portal.theme.convenience": "便民服务",
    "portal.theme.open": "阳光政务",
    "portal.welcome": "欢迎访问{name}政务服务网",
    "portal.level_code": "{level} · 行政区划代码 {code}",
    "portal.search.label": "搜索办事事项",
    "portal.search.placeholder": "输入事项名称、编码或部门",
    "portal.search.submit": "搜索",
    "portal.search.scope": "搜索范围：{names}",
    "portal.browse.department": "按部门",
    "portal.browse.type": "按事项类型",
    "portal.browse.audience": "按服务对象",
    "portal.browse.event": "按主题（人生事件与企业事项）",
    "portal.browse.children": "下辖地区",
    "portal.browse.title": "办事指南",
    "portal.browse.filters": "筛选条件",
    "portal.browse.all": "全部",
    "portal.browse.apply_filters": "筛选",
    "portal.browse.clear": "清除筛选",
    "portal.results.count_more": "以下为第 {page} 页结果",
    "portal.results.none": "没有找到符合条件的事项。",
    "portal.results.handled_at": "办理地：{region} · {dept}",
    "portal.results.address": "地点：{addr}",
    "portal.results.next": "下一页",
    "portal.results.first": "回到第一页",
    "portal.results.promise": "承诺时限 {days} 个工作日",
    "portal.results.visits": "到现场 {count} 次",
    "portal.results.online": "可网上办理",
    "portal.item.apply": "在线申请",
    "portal.item.print": "打印本页：使用浏览器的“打印”功能，版式已为打印优化。",
    "portal.item.none": "无",
    "portal.item.more": "其他要素",
    "portal.item.handled_at": "办理层级：{region}",
    "portal.item.materials_caption": "申请材料",
    "portal.item.fees_caption": "收费项目",
    "portal.item.back": "返回办事指南",
    "portal.item.not_found": "该办事事项不存在或已停止办理。",
    "portal.open.title": "阳光政务 · 政务公开",
    "portal.open.intro": "{name}公开的清单：",
    "portal.list.search": "在清单中搜索",
    "portal.list.count": "本页 {count} 条",
    "portal.list.not_public": "该清单未公开。",
    "portal.regions.title": "切换地区",
    "portal.regions.current": "（当前）",
    "portal.audience.1": "个人办事",
    "portal.audience.2": "法人办事",
}

register("portal", DEFAULT_LOCALE, ZH_CN)
