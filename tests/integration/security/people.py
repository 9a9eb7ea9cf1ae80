"""Citizens for HTTP tests: signed in by SMS through the app, the code read from the
development gateway's log (the app writes it under its `var_dir`)."""

from __future__ import annotations

import re
from pathlib import Path

from litestar import Litestar
from litestar.testing import AsyncTestClient

from yiwang.platform.message_log import read_messages


def phone_for(tag: str, n: int = 0) -> str:
    """A mobile number unique to a test (its tag) and an index."""
    return "139" + str((int(tag, 16) * 7 + n) % 10**8).zfill(8)


def sms_code(var_dir: Path, phone: str) -> str:
    for message in reversed(read_messages(var_dir / "sms.log")):
        if message["phone"] == phone:
            found = re.search(r"验证码为 (\d{6})", message["text"])
            assert found is not None, message
            return found.group(1)
    raise AssertionError(f"no SMS to {phone}")


def _csrf(client: AsyncTestClient[Litestar]) -> dict[str, str]:
    # like a page of ours: a browser that already holds a session also sends the CSRF token
    token = client.cookies.get("yiwang_csrf")
    return {"x-csrf-token": token} if token else {}


async def sign_in_citizen(
    client: AsyncTestClient[Litestar], var_dir: Path, phone: str
) -> dict[str, str]:
    """Bearer headers of a citizen session, signed in by SMS code through the app."""
    sent = await client.post("/api/v1/auth/sms/code", json={"phone": phone}, headers=_csrf(client))
    assert sent.status_code == 202, sent.text
    resp = await client.post(
        "/api/v1/auth/sms/login",
        json={"phone": phone, "code": sms_code(var_dir, phone)},
        headers=_csrf(client),
    )
    assert resp.status_code == 200, resp.text
    assert resp.json()["kind"] == "citizen", resp.text
    return {"authorization": f"Bearer {resp.json()['token']}"}
