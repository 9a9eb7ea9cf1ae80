"""Messages of `yiwang bench seed`."""

from __future__ import annotations

from typing import Final

from yiwang.platform.messages import DEFAULT_LOCALE, register

ZH_CN: Final[dict[str, str]] = {
    "seeding.no_model": "“{tenants}”没有已发布的元数据模型，无法生成记录。",
    "seeding.progress": "{code}：已写入 {done}/{total} 条（{rate} 条/秒）",
    "seeding.count_invalid": "记录数应为正整数，实际为 {value}。",
}

register("runtime.seeding", DEFAULT_LOCALE, ZH_CN)
