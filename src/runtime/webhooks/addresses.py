"""Where a webhook may point: the check against server-side request forgery.

A subscriber's URL is the platform making requests on an operator's word, so
in production it must be `https` and every address its host resolves to must
be a public one: loopback, private (RFC 1918, fc00::/7), link-local (the cloud
metadata service at 169.254.169.254), shared, multicast, reserved and
unspecified addresses are refused. Development also takes `http` and loopback
(the tests' receiver on 127.0.0.1). The check runs when the subscriber is
created and again before every delivery, since a name may resolve elsewhere
later (DNS rebinding narrows to the window between that check and the POST).
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from dataclasses import dataclass
from typing import Final
from urllib.parse import urlsplit

from yiwang.runtime.webhooks.errors import WebhookInputInvalid

MAX_URL: Final = 2000
RESOLVE_TIMEOUT: Final = 3.0

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


@dataclass(frozen=True)
class Target:
    url: str
    host: str
    port: int


def parse_url(raw: str, *, production: bool) -> Target:
    """The URL's host and port, once its shape is acceptable (no resolution yet)."""
    url = raw.strip()
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise WebhookInputInvalid("webhooks.url_invalid", pointer="/url", max=MAX_URL) from exc
    if (
        len(url) > MAX_URL
        or parts.scheme not in ("http", "https")
        or not parts.hostname
        or parts.username is not None
        or parts.password is not None
        or parts.fragment
        or any(c.isspace() or ord(c) < 32 for c in url)
    ):
        raise WebhookInputInvalid("webhooks.url_invalid", pointer="/url", max=MAX_URL)
    if production and parts.scheme != "https":
        raise WebhookInputInvalid("webhooks.url_not_https", pointer="/url")
    default = 443 if parts.scheme == "https" else 80
    return Target(url, parts.hostname, port or default)


def refused_address(address: Address, *, production: bool) -> bool:
    """True for an address no webhook may reach (development lets loopback through)."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if address.is_loopback:
        return production
    return not address.is_global or address.is_multicast


async def resolve(host: str) -> list[Address]:
    """Every address `host` resolves to (an IP literal is itself)."""
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    loop = asyncio.get_running_loop()
    try:
        infos = await asyncio.wait_for(
            loop.getaddrinfo(host, None, type=socket.SOCK_STREAM), RESOLVE_TIMEOUT
        )
    except (OSError, TimeoutError, UnicodeError):
        return []
    found: list[Address] = []
    for info in infos:
        try:
            address = ipaddress.ip_address(str(info[4][0]).split("%", 1)[0])
        except ValueError:
            continue
        if address not in found:
            found.append(address)
    return found


async def check_url(raw: str, *, production: bool) -> str:
    """The URL, once its shape and every address its host resolves to are acceptable."""
    target = parse_url(raw, production=production)
    addresses = await resolve(target.host)
    if not addresses:
        raise WebhookInputInvalid(
            "webhooks.url_unresolvable", pointer="/url", host=target.host[:80]
        )
    for address in addresses:
        if refused_address(address, production=production):
            raise WebhookInputInvalid(
                "webhooks.url_private", pointer="/url", host=target.host[:80], address=str(address)
            )
    return target.url
