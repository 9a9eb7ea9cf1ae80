"""Messages of the web room: the page shell's own texts and the titles of error pages."""

from __future__ import annotations

from typing import Final

from yiwang.platform.messages import DEFAULT_LOCALE, register

ZH_CN: Final[dict[str, str]] = {
    "web.site": "{name}政务服务网",
    "web.platform": "一网通办 · 政务服务网",
    "web.skip": "跳到主要内容",
    "web.switch_region": "切换地区",
    "web.nav_label": "主题导航",
    "web.footer": "一网（Yiwang）政务服务平台 · 主办：{name}人民政府",
    "web.footer_plain": "一网（Yiwang）政务服务平台",
    "web.account.label": "账户",
    "web.account.sign_in": "登录",
    "web.account.signed_in_as": "您好，{name}",
    "web.account.my_cases": "我的办件",
    "web.account.sign_out": "退出",
    "web.display.label": "阅读方式",
    "web.display.large": "大字模式",
    "web.display.standard_size": "标准字号",
    "web.display.plain": "简洁阅读",
    "web.display.rich": "标准版式",
    "web.error.title": "出错了",
    "web.error.401": "需要登录",
    "web.error.403": "无权访问",
    "web.error.404": "页面不存在",
    "web.error.503": "站点暂停服务",
    "web.error.500": "系统内部错误",
    "web.error.other": "请求未能完成",
    "web.error.status": "状态码 {status}",
    "web.error.sign_in": "登录后继续",
    "web.error.home": "返回首页",
    "web.error.region_home": "返回{name}首页",
    "web.error.request_id": "请求编号：{request_id}",
}

register("web", DEFAULT_LOCALE, ZH_CN)
