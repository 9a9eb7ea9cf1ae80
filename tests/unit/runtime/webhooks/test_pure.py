"""The pure parts of webhooks: signatures, kind patterns, the address rules, the message."""

from __future__ import annotations

import ipaddress
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from yiwang.runtime.webhooks.addresses import check_url, parse_url, refused_address
from yiwang.runtime.webhooks.errors import WebhookInputInvalid
from yiwang.runtime.webhooks.kinds import KNOWN_KINDS, normalise_kinds, wants
from yiwang.runtime.webhooks.message import message_for
from yiwang.runtime.webhooks.signing import (
    body_of,
    delivery_id,
    new_secret,
    signature,
    verify,
)


def test_a_signature_verifies_with_its_secret_body_and_time_only() -> None:
    secret, body = new_secret(), b'{"kind":"case.accepted"}'
    header = signature(secret, 1_800_000_000, body)
    assert header.startswith("t=1800000000,v1=") and len(header.split("v1=")[1]) == 64
    assert verify(secret, header, body, 1_800_000_000 + 299)
    assert not verify(secret, header, body, 1_800_000_000 + 301)  # a replay, 5 min later
    assert not verify(secret, header, body, 1_800_000_000 - 301)
    assert not verify(new_secret(), header, body, 1_800_000_000)
    assert not verify(secret, header, body + b"x", 1_800_000_000)
    assert not verify(secret, header.replace("t=1800000000", "t=1800000001"), body, 1_800_000_000)
    assert not verify(secret, "v1=abc", body, 1_800_000_000)
    assert not verify(secret, "t=soon,v1=abc", body, 1_800_000_000)


def test_the_signed_bytes_are_the_documented_hmac() -> None:
    import hashlib
    import hmac

    body = body_of({"b": 1, "a": "办件"})
    assert body == '{"a":"办件","b":1}'.encode()
    mac = hmac.new(b"whsec_x", b"42." + body, hashlib.sha256).hexdigest()
    assert signature("whsec_x", 42, body) == f"t=42,v1={mac}"


def test_secrets_are_fresh_and_delivery_ids_stable() -> None:
    assert new_secret() != new_secret() and new_secret().startswith("whsec_")
    a, b = uuid.uuid4(), uuid.uuid4()
    assert delivery_id(a, 7) == delivery_id(a, 7)
    assert len({delivery_id(a, 7), delivery_id(a, 8), delivery_id(b, 7)}) == 3


def test_kind_patterns() -> None:
    assert normalise_kinds(["case.*", " deadline.red ", "case.*"]) == ["case.*", "deadline.red"]
    assert wants(["case.*"], "case.accepted") and not wants(["case.*"], "deadline.red")
    assert wants(["deadline.*"], "deadline.yellow")
    assert wants(["case.decided"], "case.decided") and not wants(["case.decided"], "case.d")
    assert {"case.submitted", "case.decided", "deadline.yellow"} <= KNOWN_KINDS
    for bad, pointer in (
        (["case.nope"], "/kinds/0"),
        (["case.*", "*"], "/kinds/1"),
        ([], "/kinds"),
    ):
        with pytest.raises(WebhookInputInvalid) as caught:
            normalise_kinds(bad)
        assert caught.value.pointer == pointer


@pytest.mark.parametrize(
    ("address", "production", "refused"),
    [
        ("127.0.0.1", True, True),
        ("127.0.0.1", False, False),
        ("::1", True, True),
        ("10.1.2.3", False, True),
        ("172.16.0.9", True, True),
        ("192.168.1.1", True, True),
        ("169.254.169.254", False, True),
        ("100.64.0.1", True, True),
        ("0.0.0.0", True, True),
        ("224.0.0.1", True, True),
        ("fc00::1", True, True),
        ("::ffff:10.0.0.1", True, True),
        ("::ffff:127.0.0.1", True, True),
        ("202.100.64.68", True, False),
        ("2400:3200::1", True, False),
    ],
)
def test_which_addresses_a_webhook_may_reach(address: str, production: bool, refused: bool) -> None:
    assert refused_address(ipaddress.ip_address(address), production=production) is refused


def test_url_shapes() -> None:
    assert parse_url("https://gov.example.cn/hook", production=True).port == 443
    assert parse_url("http://127.0.0.1:8081/h", production=False).port == 8081
    codes = {}
    for url in (
        "ftp://x.cn/",
        "https://user:pw@x.cn/",
        "https://x.cn/#frag",
        "https:///nohost",
        "https://x.cn:99999/",
        "https://x.cn/a b",
        "https://x.cn/" + "a" * 2001,
    ):
        with pytest.raises(WebhookInputInvalid) as caught:
            parse_url(url, production=False)
        codes[url] = caught.value.code
    assert set(codes.values()) == {"webhooks.url_invalid"}
    with pytest.raises(WebhookInputInvalid) as caught:
        parse_url("http://gov.example.cn/hook", production=True)
    assert caught.value.code == "webhooks.url_not_https"


async def test_production_refuses_loopback_and_private_and_development_allows_loopback() -> None:
    assert await check_url("http://127.0.0.1:9/h", production=False) == "http://127.0.0.1:9/h"
    for url, code in (
        ("https://127.0.0.1/h", "webhooks.url_private"),
        ("https://localhost/h", "webhooks.url_private"),
        ("https://10.0.0.8/h", "webhooks.url_private"),
        ("https://[::1]/h", "webhooks.url_private"),
        ("http://127.0.0.1/h", "webhooks.url_not_https"),
        ("https://no-such-host.invalid/h", "webhooks.url_unresolvable"),
    ):
        with pytest.raises(WebhookInputInvalid) as caught:
            await check_url(url, production=True)
        assert (url, caught.value.code, caught.value.pointer) == (url, code, "/url")
    with pytest.raises(WebhookInputInvalid) as caught:
        await check_url("http://10.0.0.8/h", production=False)
    assert caught.value.code == "webhooks.url_private"


def test_the_message_leaves_out_the_applicants_contact() -> None:
    at = datetime(2026, 3, 2, 1, tzinfo=UTC)
    deadline = message_for(
        9,
        "deadline.red",
        {"number": "N1", "colour": "red", "due": "2026-03-20", "phone": "139", "email": "a@b"},
        at,
        "620102",
    )
    assert deadline == {
        "id": 9,
        "kind": "deadline.red",
        "case_number": "N1",
        "occurred_at": "2026-03-02T01:00:00+00:00",
        "tenant": "620102",
        "data": {"colour": "red", "due": "2026-03-20"},
    }
    event = {"kind": "accepted", "actor": "clerk", "data": {}}
    case = message_for(
        10, "case.accepted", {"number": "N1", "tenant": "620102", "event": event}, at, "620102"
    )
    assert case["data"] == {"event": event}


def test_the_readme_example_for_receivers_checks_what_we_sign() -> None:
    readme = Path(__file__).parents[4] / "src/runtime/webhooks/README.md"
    code = readme.read_text().split("```python\n", 1)[1].split("```", 1)[0]
    assert len(code.strip().splitlines()) <= 10
    namespace: dict[str, Any] = {}
    exec(compile(code, "README.md", "exec"), namespace)  # the documented snippet itself
    readme_verify = namespace["verify"]
    secret, body = new_secret(), body_of({"kind": "case.accepted", "id": 1})
    fresh = signature(secret, int(time.time()), body)
    assert readme_verify(secret, fresh, body)
    assert not readme_verify(secret, fresh, body + b" ")
    assert not readme_verify(new_secret(), fresh, body)
    assert not readme_verify(secret, signature(secret, int(time.time()) - 301, body), body)
