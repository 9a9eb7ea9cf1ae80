"""The edge's pure parts: forwarded addresses, the strict JSON check, CSRF rules, media
types, the no-store rule and the URL check."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest

from yiwang.platform.edge import csrf, forwarded, media_types
from yiwang.platform.edge.checks import check_url
from yiwang.platform.edge.headers import must_not_store, security_headers
from yiwang.platform.edge.json_body import MAX_DEPTH, check_json
from yiwang.platform.edge.shell import EdgeShell
from yiwang.platform.errors import (
    InvalidInput,
    MalformedRequest,
    PayloadTooLarge,
    PermissionDenied,
    YiwangError,
)
from yiwang.platform.settings import Settings

PROXIES = forwarded.TrustedProxies(["10.0.0.0/8", "192.0.2.1"])


@pytest.mark.parametrize(
    ("peer", "header", "client"),
    [
        # a client talking to us directly chooses nothing
        ("203.0.113.9", "6.6.6.6", "203.0.113.9"),
        ("203.0.113.9", None, "203.0.113.9"),
        # through one trusted proxy: the address that proxy saw
        ("10.1.2.3", "203.0.113.9", "203.0.113.9"),
        # the client prepends a forged hop: only the proxy's own entry counts
        ("10.1.2.3", "6.6.6.6, 203.0.113.9", "203.0.113.9"),
        # two trusted proxies in a row
        ("10.1.2.3", "6.6.6.6, 203.0.113.9, 192.0.2.1", "203.0.113.9"),
        # ports and brackets
        ("10.1.2.3", "[2001:db8::7]:443", "2001:db8::7"),
        ("10.1.2.3", "203.0.113.9:5555", "203.0.113.9"),
        # garbage right of every trusted hop: believe no further than the proxy
        ("10.1.2.3", "203.0.113.9, not-an-ip", "10.1.2.3"),
        # only trusted hops: the leftmost
        ("10.1.2.3", "10.9.9.9", "10.9.9.9"),
    ],
)
def test_forwarded_for_is_believed_only_from_trusted_proxies(
    peer: str, header: str | None, client: str
) -> None:
    assert PROXIES.client(peer, header) == client


def test_with_no_trusted_proxy_the_scope_is_left_alone() -> None:
    scope: dict[str, Any] = {
        "client": ("203.0.113.9", 5000),
        "scheme": "http",
        "headers": [(b"x-forwarded-for", b"6.6.6.6"), (b"x-forwarded-proto", b"https")],
    }
    forwarded.resolve(scope, forwarded.TrustedProxies([]))
    assert forwarded.client_ip(scope) == "203.0.113.9"
    assert scope["scheme"] == "http"


def test_a_trusted_proxy_sets_client_and_scheme() -> None:
    scope: dict[str, Any] = {
        "client": ("10.0.0.5", 5000),
        "scheme": "http",
        "headers": [
            (b"x-forwarded-for", b"6.6.6.6, 198.51.100.4"),
            (b"x-forwarded-proto", b"https"),
        ],
    }
    forwarded.resolve(scope, PROXIES)
    assert scope["client"] == ("198.51.100.4", 5000)
    assert scope["scheme"] == "https"
    assert forwarded.client_ip({}) == "unknown"


def _refused(raw: bytes, **kwargs: Any) -> YiwangError:
    with pytest.raises(YiwangError) as info:
        check_json(raw, max_bytes=kwargs.pop("max_bytes", 1 << 20), **kwargs)
    return info.value


def test_deep_json_is_refused_not_crashed_on() -> None:
    err = _refused(b"[" * 10_000 + b"]" * 10_000)
    assert isinstance(err, InvalidInput) and err.code == "request.json_too_deep"
    err = _refused(b'{"a":' * (MAX_DEPTH + 1) + b"1" + b"}" * (MAX_DEPTH + 1))
    assert err.code == "request.json_too_deep"
    assert err.pointer == "/a" * MAX_DEPTH
    ok = b'{"a":' * MAX_DEPTH + b"1" + b"}" * MAX_DEPTH
    assert check_json(ok, max_bytes=1 << 20) is not None


@pytest.mark.parametrize(
    ("body", "pointer", "char"),
    [
        ({"login": "admin\u0000"}, "/login", "U+0000"),
        ({"a": [{"b": "x\u001by"}]}, "/a/0/b", "U+001B"),
        ({"k\u0007": 1}, "/k\u0007", "U+0007"),
        ({"s": "\ud800"}, "/s", "U+D800"),
    ],
)
def test_control_characters_in_strings_and_keys_are_refused(
    body: dict[str, Any], pointer: str, char: str
) -> None:
    err = _refused(json.dumps(body).encode())
    assert (err.code, err.pointer, err.params["char"]) == (
        "request.control_character",
        pointer,
        char,
    )


@pytest.mark.parametrize("raw", [b"1", b"null", b'"ok"', b"true", b"[]"])
def test_any_json_value_may_be_the_body(raw: bytes) -> None:
    assert check_json(raw, max_bytes=10) == json.loads(raw)


def test_an_escaped_backslash_is_not_a_control_character() -> None:
    assert check_json(b'{"path": "C:\\\\u0000"}', max_bytes=100) == {"path": "C:\\u0000"}
    err = _refused(b'"\\u001F"')
    assert (err.code, err.pointer) == ("request.control_character", "")


def test_tab_newline_and_return_are_text() -> None:
    assert check_json(b'{"a": "x\\ty\\nz\\r"}', max_bytes=100) == {"a": "x\ty\nz\r"}


def test_duplicate_keys_are_refused_with_their_pointer() -> None:
    err = _refused(b'{"role": "viewer", "x": {"a": 1, "a": 2}}')
    assert (err.code, err.pointer) == ("request.duplicate_key", "/x/a")
    err = _refused(b'{"role": "viewer", "role": "system_admin"}')
    assert (err.code, err.pointer) == ("request.duplicate_key", "/role")


@pytest.mark.parametrize("raw", [b"{junk", b'{"a": NaN}', b"[Infinity]", b"\xff\xfe", b""])
def test_what_is_not_json_is_a_400(raw: bytes) -> None:
    err = _refused(raw)
    assert isinstance(err, MalformedRequest) and err.code == "request.body_not_json"


def test_size_is_capped() -> None:
    err = _refused(b'"' + b"x" * 100 + b'"', max_bytes=50)
    assert isinstance(err, PayloadTooLarge) and err.status == 413


@pytest.mark.parametrize(
    ("origin", "referer", "allowed"),
    [
        ("http://127.0.0.1:8000", None, True),
        (None, None, True),
        (None, "http://127.0.0.1:8000/console/x", True),
        ("http://evil.example", None, False),
        (None, "http://evil.example/page", False),
        # a sibling subsite is the same site, not the same origin
        ("http://chengguan.yiwang.localhost:8000", None, False),
        ("null", None, False),
        ("https://127.0.0.1:8000", None, False),
        ("http://portal.example.gov.cn", None, True),
    ],
)
def test_origin_must_be_ours_exactly(
    origin: str | None, referer: str | None, allowed: bool
) -> None:
    def check() -> None:
        csrf.check_origin(
            origin=origin,
            referer=referer,
            own="http://127.0.0.1:8000",
            trusted={"http://portal.example.gov.cn"},
        )

    if allowed:
        check()
    else:
        with pytest.raises(PermissionDenied) as info:
            check()
        assert info.value.code == "edge.csrf_origin"


def test_token_comparison() -> None:
    token = csrf.new_token()
    assert len(token) >= 40
    csrf.check_token(cookie=token, sent=token)
    for cookie, sent in ((token, None), (None, token), (token, token + "x"), ("", "")):
        with pytest.raises(PermissionDenied):
            csrf.check_token(cookie=cookie, sent=sent)
    assert csrf.has_bearer("Bearer abc") and not csrf.has_bearer("Basic abc")
    assert not csrf.has_bearer(None)


def test_routes_take_json_unless_they_say_more() -> None:
    assert media_types.accepted({}) == ("application/json",)
    assert "application/yaml" in media_types.accepted({"accepts": ("application/yaml",)})
    assert "multipart/form-data" in media_types.accepted({"forms": True})
    assert media_types.media_type("Application/JSON; charset=utf-8") == "application/json"
    assert media_types.is_json("application/merge-patch+json")
    assert not media_types.is_json("text/plain")


def test_no_store_rule() -> None:
    assert must_not_store("/api/v1/me", {"public": True}, has_credentials=True)
    assert not must_not_store("/api/v1/tenants", {"public": True}, has_credentials=False)
    assert must_not_store("/api/v1/t/620102/roles", {"object": "role", "action": "read"}, False)
    assert must_not_store("/r/620102/", {"public": True, "personal": True}, False)
    assert not must_not_store("/static/vendor/x.js", {"public": True}, has_credentials=True)


def test_hsts_only_in_production() -> None:
    assert b"strict-transport-security" in dict(security_headers(production=True))
    assert b"strict-transport-security" not in dict(security_headers(production=False))


@pytest.mark.parametrize(
    ("path", "query"),
    [("/api/v1/t/62\x0002", b""), ("/x", b"note=a%00b"), ("/x", b"q=%1b[31m"), ("/x", b"a=%7F")],
)
def test_control_characters_in_the_url_are_refused(path: str, query: bytes) -> None:
    with pytest.raises(InvalidInput) as info:
        check_url(path, query)
    assert info.value.code == "request.control_character"


def test_ordinary_urls_pass() -> None:
    check_url("/api/v1/t/620102/metadata/types", b"note=%E5%8F%91%E5%B8%83+v2&x=1")


async def _through_shell(
    client: tuple[str, int], headers: list[tuple[bytes, bytes]]
) -> tuple[dict[str, Any], dict[bytes, bytes]]:
    seen: dict[str, Any] = {}

    async def app(scope: Any, receive: Any, send: Any) -> None:
        seen.update(scope)
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    sent: list[dict[str, Any]] = []

    async def send(message: Any) -> None:
        sent.append(message)

    async def receive() -> Any:
        return {"type": "http.request", "body": b""}

    shell = EdgeShell(app, replace(Settings(), trusted_proxies=("10.0.0.0/8",)))
    scope = {"type": "http", "path": "/x", "client": client, "scheme": "http", "headers": headers}
    await shell(scope, receive, send)  # type: ignore[arg-type]
    return seen, dict(sent[0]["headers"])


async def test_the_shell_believes_a_trusted_proxy_and_nobody_else() -> None:
    forged = [(b"x-forwarded-for", b"6.6.6.6"), (b"x-request-id", b"chosen-by-client")]
    seen, headers = await _through_shell(("203.0.113.9", 1), forged)
    assert forwarded.client_ip(seen) == "203.0.113.9"
    assert headers[b"x-request-id"] != b"chosen-by-client"
    relayed = [(b"x-forwarded-for", b"6.6.6.6, 198.51.100.4"), (b"x-request-id", b"proxy-id-1234")]
    seen, headers = await _through_shell(("10.0.0.5", 1), relayed)
    assert forwarded.client_ip(seen) == "198.51.100.4"
    assert headers[b"x-request-id"] == b"proxy-id-1234"
