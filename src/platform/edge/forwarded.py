"""The client's address and scheme, believing forwarding headers only from trusted proxies.

A proxy appends the address it received the request from to
`X-Forwarded-For`, so the header reads client, proxy1, proxy2, ... and only
its right end was written by someone we trust. Walking from the right, every
hop that is a trusted proxy is skipped; the first that is not is the client.
A client that talks to us directly (no trusted proxy in between) cannot
choose its address at all: its header is ignored.

The shell applies this once per request by rewriting the ASGI scope's
`client` (and `scheme`), so every later reader — `client_ip`, Litestar's
`request.client`, the audit trail, the rate limits — sees the same answer,
whatever server runs the app.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping
from typing import Any

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    text = text.strip()
    if text.startswith("[") and "]" in text:  # [2001:db8::1]:443
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # 203.0.113.7:443
        text = text.split(":", 1)[0]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


class TrustedProxies:
    """The configured proxies (`YIWANG_TRUSTED_PROXIES`: addresses or CIDR ranges)."""

    def __init__(self, entries: Iterable[str] = ()) -> None:
        self.networks: tuple[Network, ...] = tuple(
            ipaddress.ip_network(entry.strip(), strict=False) for entry in entries if entry.strip()
        )

    def __bool__(self) -> bool:
        return bool(self.networks)

    def trusts(self, host: str) -> bool:
        address = _address(host)
        return address is not None and any(address in network for network in self.networks)

    def client(self, peer: str, forwarded_for: str | None) -> str:
        """The client's address: `peer` unless trusted proxies forwarded the request."""
        if not forwarded_for or not self.trusts(peer):
            return peer
        nearest = peer
        for hop in reversed([h.strip() for h in forwarded_for.split(",")]):
            address = _address(hop)
            if address is None:
                # a trusted proxy never writes this; believe no further than the last good hop
                return nearest
            nearest = str(address)
            if not self.trusts(nearest):
                return nearest
        return nearest

    def scheme(self, peer: str, scheme: str, forwarded_proto: str | None) -> str:
        """`https` when a trusted proxy says the client used it."""
        if not forwarded_proto or not self.trusts(peer):
            return scheme
        last = forwarded_proto.split(",")[-1].strip().lower()
        return last if last in ("http", "https") else scheme


def _header(headers: Iterable[tuple[bytes, bytes]], name: bytes) -> str | None:
    values = [v.decode("latin-1") for k, v in headers if k.lower() == name]
    return ",".join(values) if values else None


def resolve(scope: dict[str, Any], proxies: TrustedProxies) -> None:
    """Rewrite `scope["client"]` and `scope["scheme"]` from trusted forwarding headers."""
    client = scope.get("client")
    if not proxies or not client:
        return
    peer, port = str(client[0]), int(client[1])
    headers = scope.get("headers") or ()
    forwarded_for = _header(headers, b"x-forwarded-for")
    if forwarded_for is not None:
        scope["client"] = (proxies.client(peer, forwarded_for), port)
    scheme = scope.get("scheme", "http")
    forwarded_proto = _header(headers, b"x-forwarded-proto")
    if forwarded_proto is not None:
        resolved = proxies.scheme(peer, scheme, forwarded_proto)
        scope["scheme"] = "wss" if resolved == "https" and scheme.startswith("ws") else resolved


def client_ip(scope: Mapping[str, Any]) -> str:
    """The client's address for the audit trail and rate limits (after `resolve`)."""
    client = scope.get("client")
    return str(client[0]) if client else "unknown"
