"""Signing a citizen in through the subsite's pages, with the browser's cookies and CSRF
token, for the tests of the pages a citizen uses."""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any

from httpx import Response
from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.integration.security.people import sms_code

Client = AsyncTestClient[Litestar]
HTML = {"accept": "text/html,application/xhtml+xml"}
CHENGGUAN = "620102"
SIGN_IN = f"/r/{CHENGGUAN}/signin"
MY_CASES = f"/r/{CHENGGUAN}/my/cases"


def csrf(client: Client) -> str:
    token = client.cookies.get("yiwang_csrf")
    assert token, "the first HTML page hands out the CSRF cookie"
    return str(token)


def field_error(page: str, name: str) -> str | None:
    found = re.search(rf'<p class="field-error" id="{name}-error">([^<]*)</p>', page)
    return html.unescape(found.group(1)) if found else None


def value(page: str, name: str) -> str | None:
    found = re.search(rf'<input id="{name}" name="{name}" type="\w+" value="([^"]*)"', page)
    return html.unescape(found.group(1)) if found else None


async def send_code(client: Client, phone: str, next_path: str = "") -> str:
    await client.get(SIGN_IN, headers=HTML)
    sent = await client.post(
        SIGN_IN,
        data={"action": "send_code", "phone": phone, "next": next_path, "_csrf": csrf(client)},
        headers=HTML,
    )
    assert sent.status_code == 200, sent.text
    return sent.text


async def post_code(client: Client, phone: str, code: str, next_path: str = "") -> Response:
    return await client.post(
        SIGN_IN,
        data={
            "action": "sms",
            "phone": phone,
            "code": code,
            "next": next_path,
            "_csrf": csrf(client),
        },
        headers=HTML,
        follow_redirects=False,
    )


async def signed_in_as(client: Client, accounts: list[int]) -> dict[str, Any]:
    """The session's own account (registered for cleanup)."""
    me = await client.get("/api/v1/me")
    assert me.status_code == 200, me.text
    accounts.append(int(me.json()["id"]))
    return dict(me.json())


async def sign_in(
    client: Client, var_dir: Path, phone: str, accounts: list[int], next_path: str = ""
) -> str:
    """Sign in through the page; returns where it sent the browser."""
    await send_code(client, phone, next_path)
    done = await post_code(client, phone, sms_code(var_dir, phone), next_path)
    assert done.status_code == 303, done.text
    assert "yiwang_session=" in done.headers["set-cookie"]
    await signed_in_as(client, accounts)
    return str(done.headers["location"])
