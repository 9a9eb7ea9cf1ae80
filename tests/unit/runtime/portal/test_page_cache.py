"""The page cache's key and who is never served from it."""

from __future__ import annotations

from typing import Any

from litestar import Request

from yiwang.policy.identity.sessions import SESSION_COOKIE
from yiwang.runtime.portal.page_cache import etag_of, signed_in


def _request(headers: dict[str, str]) -> Request[Any, Any, Any]:
    scope: Any = {
        "type": "http",
        "method": "GET",
        "path": "/r/620102/services/1",
        "query_string": b"",
        "headers": [(k.encode(), v.encode()) for k, v in headers.items()],
        "app": None,
    }
    return Request(scope)


def test_a_presented_session_is_signed_in_whether_cookie_or_bearer() -> None:
    assert not signed_in(_request({}))
    assert not signed_in(_request({"cookie": "yw_display=large"}))
    assert signed_in(_request({"cookie": f"yw_display=large; {SESSION_COOKIE}=abc"}))
    assert signed_in(_request({"authorization": "Bearer abc"}))


def test_the_etag_follows_every_part_of_the_key() -> None:
    key = ("/r/620102/services/1", b"", "", False, 3, "hash", "service_item", (4, 1, 2))
    tags = {etag_of(key)}
    for index, other in enumerate(
        ("/r/620102/services/2", b"q=1", "large", True, 4, "hash2", "power_item", (5, 1, 2))
    ):
        changed = list(key)
        changed[index] = other
        tags.add(etag_of(tuple(changed)))
    assert len(tags) == 9
    assert etag_of(key) == etag_of(tuple(key))
    assert etag_of(key).startswith('"page-') and etag_of(key).endswith('"')
