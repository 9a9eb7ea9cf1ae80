"""Messages of the tenant registry: tenants, division files, templates, calendars."""

from __future__ import annotations

from typing import Final

from yiwang.platform.messages import DEFAULT_LOCALE, register

ZH_CN: Final[dict[str, str]] = {
    "tenant.not_found": "未找到该地区站点（区划代码 {code}）。",
    "tenant.suspended": "{name}站点暂停服务，请稍后访问或联系当地政务服务中心。",
    "tenant.archived": "{name}站点已归档，不再提供服务。",
    "tenant.host_invalid": "请求的主机名不合法。",
    "tenant.code_invalid": "区划代码必须是 6 位数字：{code}",
    "tenant.status_transition": "地区“{name}”当前状态为“{status}”，不能执行“{action}”。",
    "tenant.read_only": (
        "地区“{name}”当前状态为“{status}”：其数据只能查看，不能修改。恢复后方可继续办理。"
    ),
    "tenant.own_out_of_service": (
        "您属于“{home}”，不能{action}本地区或其上级地区“{name}”；如确需{action}，请由上级地区的管理员办理。"
    ),
    "tenant.archive_confirm": (
        "归档后“{name}”的站点和接口不再提供服务，数据只读保留。"
        '如确认归档，请在请求中附上 {{"confirm": "{name}"}}（命令行：--confirm {name}）。'
    ),
    "divisions.not_utf8": "区划文件不是 UTF-8 编码（第 {line} 行附近）。",
    "divisions.header": "第 1 行：区划文件表头应为 {expected}，实际为 {actual}。",
    "divisions.columns": "第 {line} 行：应有 {expected} 列，实际 {actual} 列。",
    "divisions.code_format": "第 {line} 行：区划代码“{code}”不是 6 位数字。",
    "divisions.duplicate_code": "第 {line} 行：区划代码 {code} 重复（首次出现在第 {first_line} 行）。",
    "divisions.level_unknown": "第 {line} 行：层级“{level}”无效，应为 province、prefecture、county 或 zone。",
    "divisions.name_empty": "第 {line} 行：名称不能为空。",
    "divisions.name_formula": "第 {line} 行：名称不能以 =、+、-、@ 等公式符号开头。",
    "divisions.name_unsafe": "第 {line} 行：名称第 {position} 个字符是控制字符或不可见字符（{char}），不能使用。",
    "divisions.parent_unknown": "第 {line} 行：上级区划 {parent} 不存在。",
    "divisions.root": "区划文件必须恰好有一个省级根节点（无上级），实际 {count} 个。",
    "divisions.root_level": "第 {line} 行：无上级的区划必须是 province 层级。",
    "divisions.cycle": "第 {line} 行：区划 {code} 的上级关系构成环。",
    "divisions.level_order": "第 {line} 行：{level} 层级不能直属于 {parent_level} 层级的 {parent}。",
    "divisions.empty": "区划文件没有任何数据行。",
    "divisions.outside_subtree": "第 {line} 行：区划 {code} 不在 {root} 的辖区内，不能由此导入。",
    "divisions.conflict": "第 {line} 行：区划 {code} 已存在且与文件不一致（{detail}）。",
    "template.not_found": "找不到租户模板“{name}”。",
    "template.invalid": "租户模板“{name}”不合法：{detail}",
    "calendar.date_invalid": "第 {line} 行：日期“{value}”格式不正确，应为 YYYY-MM-DD。",
    "calendar.kind_invalid": "第 {line} 行：类型“{value}”无效，应为 holiday 或 workday。",
    "calendar.name_unsafe": "第 {line} 行：名称含控制字符或不可见字符（{char}）。",
    "calendar.duplicate": "第 {line} 行：日期 {value} 重复。",
    "calendar.weekday_workday": "第 {line} 行：{value} 本来就是工作日，不能设为调休上班。",
    "calendar.not_province": "工作日历由省级租户维护，{code} 不是省级租户。",
}

register("tenants", DEFAULT_LOCALE, ZH_CN)
