"""Messages of the webhooks room (Simplified Chinese)."""

from __future__ import annotations

from typing import Final

from yiwang.platform.messages import DEFAULT_LOCALE, register

ZH_CN: Final[dict[str, str]] = {
    "webhooks.url_invalid": "推送地址无效：应为完整的 http(s) 地址，不含用户名、密码和“#”片段，最长 {max} 个字符。",
    "webhooks.url_not_https": "生产环境的推送地址必须使用 https。",
    "webhooks.url_unresolvable": "无法解析推送地址的主机名“{host}”。",
    "webhooks.url_private": "推送地址“{host}”指向本机、内网或保留地址（{address}），不允许推送。",
    "webhooks.kinds_required": "请至少选择一种要推送的事件类型。",
    "webhooks.kinds_too_many": "事件类型最多 {max} 项。",
    "webhooks.kind_unknown": "不认识的事件类型“{kind}”：可用 case.*、deadline.*，或具体类型如 {examples}。",
    "webhooks.not_found": "未找到推送订阅 {id}。",
    "webhooks.delivery_missing": "此进程未配置推送投递（密钥与地址规则），无法发送推送。",
    "webhooks.disabled": "推送订阅 {id} 已停用，不能更换密钥。",
}

register("runtime.webhooks", DEFAULT_LOCALE, ZH_CN)
