"""Messages of `yiwang bench seed`."""

from __future__ import annotations

from typing import Final

from yiwang.platform.messages import DEFAULT_LOCALE, register

ZH_CN: Final[dict[str, str]] = {
    "seeding.no_model": "“{tenants}”没有已发布的元数据模型，无法生成记录。",
    "seeding.progress": "{code}：已写入 {done}/{total} 条（{rate} 条/秒）",
    "seeding.count_invalid": "记录数应为正整数，实际为 {value}。",
    "seeding.generator_stuck": (
        "记录生成器无法为租户 {tenant} 生成有效的“{label}”（{type}）记录：{reason}。"
        "此前各批已写入的记录保留。这是生成器的缺陷，请报告。"
    ),
    "seeding.stuck.invalid": "连续 {tries} 次生成的记录都未通过本租户模型的校验（{problems}）",
    "seeding.stuck.repeats": "唯一字段 {field} 生成的取值出现重复",
}

register("runtime.seeding", DEFAULT_LOCALE, ZH_CN)
