"""The kernel's message catalogue and the registry every context adds its own to.

Codes are dotted (`area.failure`) and never change once released; clients may
switch on them. Templates use `str.format` fields. Only Simplified Chinese ships
today; a second language is a second dict with the same keys. Each context owns
its codes in its own `messages` module, registered when the context's package
is imported, so the kernel holds only the machinery and the codes it raises.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

DEFAULT_LOCALE: Final = "zh-CN"

ZH_CN: Final[dict[str, str]] = {
    "request.invalid": "请求格式不正确：{detail}",
    "request.body_not_json": "请求体不是合法的 JSON。",
    "request.too_large": "请求内容过大。",
    "request.field_required": "缺少必填项。",
    "request.field_invalid": "取值不符合要求：{detail}",
    "request.json_too_deep": "JSON 嵌套超过 {limit} 层。",
    "request.duplicate_key": "JSON 对象中的键“{key}”重复出现。",
    "request.control_character": "提交的文本含控制字符 {char}，请删除后重试。",
    "request.value_unstorable": "提交的数据无法保存：有取值超出允许的格式或范围。",
    "edge.media_type": "不支持的请求内容类型“{media_type}”，此接口只接受：{accepted}。",
    "edge.csrf_origin": "请求来自其他网站（{origin}），已拒绝此操作。",
    "edge.csrf_token": "缺少或无效的防跨站请求令牌，请刷新页面后重试。",
    "not_found": "您访问的资源不存在。",
    "method_not_allowed": "不支持该请求方法。",
    "internal": "系统内部错误，请稍后重试。如问题持续，请联系管理员并提供请求编号 {request_id}。",
    "cli.usage": "命令用法不正确：{detail}（运行 yiwang --help 查看用法）",
    "cli.aborted": "已取消，未做任何更改。",
    "cli.file_missing": "找不到文件：{file}",
    "settings.invalid": "配置项 {name} 的取值“{value}”不正确：{detail}",
    "conflict": "数据已被修改，请刷新后重试。",
    "auth.required": "请先登录。",
    "auth.forbidden": "您没有执行此操作的权限。",
    "service.database_unavailable": "数据库暂时不可用，请稍后重试。",
    "service.storage_unavailable": "文件存储服务暂时不可用，上传未完成，请稍后重试。",
    "service.cache_unavailable": "缓存服务不可用。",
    "storage.object_not_found": "文件不存在：{key}",
    "storage.key_invalid": "文件键名不合法：{key}",
    "storage.object_too_large": "文件超过允许的大小（{max_size} 字节），未保存。",
    "tenant.context_missing": "未设置租户上下文，拒绝访问租户数据。",
    "audit.chain_broken": "审计记录 {seq} 的哈希链断裂：{detail}",
    "audit.checkpoint_unreadable": "审计检查点无法读取（格式不正确）。",
    "audit.key_exists": "密钥文件 {path} 已存在，不会覆盖。",
    "audit.signing_key_missing": "审计检查点签名密钥 {path} 不存在或不可用。",
    "audit.verify_key_missing": "审计检查点验证公钥 {path} 不存在或不可用。",
    "audit.store_unknown": "未知的审计检查点存储方式“{store}”，应为 file、storage 或 syslog。",
    "audit.store_unavailable": "审计检查点存储（{store}）暂时不可用，检查点未写入。",
    "audit.syslog_address": "syslog 地址“{address}”不正确，应为套接字路径或 主机:端口。",
    "serve.setting_invalid": "设置 {name} 的取值 {value} 无效，可选：{choices}。",
    "serve.address_taken": "地址 {address} 已有服务在监听，本服务未启动。",
}

#: locale -> code -> template; contexts extend it through `register`
CATALOGUES: Final[dict[str, dict[str, str]]] = {DEFAULT_LOCALE: dict(ZH_CN)}


def register(owner: str, locale: str, entries: Mapping[str, str]) -> None:
    """Add a context's messages; a code registered twice with another text is a bug."""
    catalogue = CATALOGUES.setdefault(locale, {})
    for code, text in entries.items():
        known = catalogue.get(code)
        if known is not None and known != text:
            raise ValueError(f"message code {code!r} of {owner} is already registered")
        catalogue[code] = text


def catalogue(locale: str = DEFAULT_LOCALE) -> Mapping[str, str]:
    """Every registered message of `locale` (import the contexts first)."""
    return CATALOGUES.get(locale, {})
