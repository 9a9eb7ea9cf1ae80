"""The checkout probe that replaces pool pre-ping: no round trip, only a look at the socket."""

from __future__ import annotations

import socket

from yiwang.platform.database import closed_by_server


def test_an_idle_connection_with_nothing_to_read_is_kept() -> None:
    ours, server = socket.socketpair()
    with ours, server:
        assert not closed_by_server(ours.fileno())


def test_a_connection_the_server_closed_is_dropped() -> None:
    ours, server = socket.socketpair()
    with ours:
        server.close()
        assert closed_by_server(ours.fileno())


def test_a_message_nobody_asked_for_means_the_connection_is_dropped() -> None:
    # a terminated backend sends its FATAL error, then closes
    ours, server = socket.socketpair()
    with ours, server:
        server.sendall(b"E\x00\x00\x00\x10SFATAL\x00")
        assert closed_by_server(ours.fileno())
