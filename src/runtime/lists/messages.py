"""Messages of list views: search queries."""

from __future__ import annotations

from typing import Final

from yiwang.platform.messages import DEFAULT_LOCALE, register

ZH_CN: Final[dict[str, str]] = {
    "lists.search.too_long": "搜索内容过长：最多 {limit} 个字，实际 {actual} 个字。",
    "lists.search.too_many_terms": "搜索词过多：最多 {limit} 个（以空格分隔），实际 {actual} 个。",
}

register("runtime.lists", DEFAULT_LOCALE, ZH_CN)
