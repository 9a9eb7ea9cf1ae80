"""A prepared response: the same bytes and headers every time, a 304 for a client that
holds its version, and no validators on a constant."""

from __future__ import annotations

from typing import Any

import pytest
from litestar import Litestar, Request, get
from litestar.testing import AsyncTestClient

from yiwang.platform.conditional import Prepared, etag_for

BODY = b'{"a":1}'
VERSIONED = Prepared(BODY, etag_for("thing", 7))
CONSTANT = Prepared(b'{"status":"ok"}', etag=None)
PAGE = Prepared("<p>页</p>".encode(), etag_for("page", 1), "text/html", (("vary", "Cookie"),))


@get("/versioned")
async def versioned_route(request: Request[Any, Any, Any]) -> Prepared:
    return VERSIONED.answer(request)


@get("/constant")
async def constant_route(request: Request[Any, Any, Any]) -> Prepared:
    return CONSTANT.answer(request)


@get("/page")
async def page_route(request: Request[Any, Any, Any]) -> Prepared:
    return PAGE.answer(request)


APP = Litestar([versioned_route, constant_route, page_route])


async def test_a_prepared_response_sends_its_bytes_with_length_type_and_validators() -> None:
    async with AsyncTestClient(APP) as client:
        first = await client.get("/versioned")
        second = await client.get("/versioned")
    assert first.status_code == 200 and first.content == BODY
    assert first.headers["content-type"] == "application/json"
    assert first.headers["content-length"] == str(len(BODY))
    assert first.headers["etag"] == '"thing-7"'
    assert first.headers["cache-control"] == "public, max-age=0, must-revalidate"
    assert second.content == BODY and second.headers["etag"] == '"thing-7"'


@pytest.mark.parametrize("sent", ['"thing-7"', 'W/"x", "thing-7"', "*"])
async def test_a_client_holding_the_version_gets_304_with_the_validators(sent: str) -> None:
    async with AsyncTestClient(APP) as client:
        resp = await client.get("/versioned", headers={"if-none-match": sent})
    assert resp.status_code == 304 and resp.content == b""
    assert resp.headers["etag"] == '"thing-7"'
    assert "content-type" not in resp.headers


async def test_another_version_gets_the_body() -> None:
    async with AsyncTestClient(APP) as client:
        resp = await client.get("/versioned", headers={"if-none-match": '"thing-6"'})
    assert resp.status_code == 200 and resp.content == BODY


async def test_a_constant_has_no_validators_and_never_answers_304() -> None:
    async with AsyncTestClient(APP) as client:
        resp = await client.get("/constant", headers={"if-none-match": "*"})
    assert resp.status_code == 200 and resp.json() == {"status": "ok"}
    assert "etag" not in resp.headers and "cache-control" not in resp.headers


async def test_a_text_response_names_its_charset_and_keeps_extra_headers() -> None:
    async with AsyncTestClient(APP) as client:
        resp = await client.get("/page")
    assert resp.headers["content-type"] == "text/html; charset=utf-8"
    assert resp.headers["vary"] == "Cookie"
    assert resp.text == "<p>页</p>"
