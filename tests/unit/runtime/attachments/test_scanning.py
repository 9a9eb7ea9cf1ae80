"""The scanner hook: the development scanner, and clamd's INSTREAM protocol.

clamd itself is not installed here (it needs its signature database from the
network); the protocol is checked against a socket server speaking INSTREAM the
way clamd documents it, replying as clamd replies."""

from __future__ import annotations

import asyncio
import struct
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from yiwang.runtime.attachments.errors import ScannerUnavailable
from yiwang.runtime.attachments.scanning import (
    EICAR,
    ClamdScanner,
    EicarScanner,
    Scanner,
    ScanVerdict,
    parse_clamd_reply,
)


async def _scan(scanner: Scanner, *chunks: bytes) -> ScanVerdict:
    async with scanner.scan() as session:
        for chunk in chunks:
            await session.feed(chunk)
        return await session.verdict()


async def test_eicar_is_found_even_across_chunks() -> None:
    middle = len(EICAR) // 2
    found = await _scan(EicarScanner(), b"%PDF-1.7 " + EICAR[:middle], EICAR[middle:] + b" end")
    assert found == ScanVerdict(False, "Eicar-Test-Signature")


async def test_a_clean_file_is_clean() -> None:
    assert await _scan(EicarScanner(), b"%PDF-1.7 nothing to see", b"here") == ScanVerdict(True)


def test_clamd_replies() -> None:
    assert parse_clamd_reply(b"stream: OK\0") == ScanVerdict(True)
    assert parse_clamd_reply(b"stream: Win.Test.EICAR_HDB-1 FOUND\0") == ScanVerdict(
        False, "Win.Test.EICAR_HDB-1"
    )
    with pytest.raises(ScannerUnavailable):
        parse_clamd_reply(b"INSTREAM size limit exceeded. ERROR\0")


@pytest.fixture
async def clamd_socket(tmp_path: Path) -> AsyncIterator[tuple[Path, list[bytes]]]:
    path = tmp_path / "clamd.sock"
    received: list[bytes] = []

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        command = await reader.readuntil(b"\0")
        assert command == b"zINSTREAM\0"
        body = b""
        while True:
            (length,) = struct.unpack("!L", await reader.readexactly(4))
            if length == 0:
                break
            body += await reader.readexactly(length)
        received.append(body)
        reply = b"stream: Eicar-Signature FOUND\0" if EICAR in body else b"stream: OK\0"
        writer.write(reply)
        await writer.drain()
        writer.close()

    server = await asyncio.start_unix_server(serve, path=str(path))
    try:
        yield path, received
    finally:
        server.close()
        await server.wait_closed()


async def test_clamd_streams_the_whole_file_in_chunks(
    clamd_socket: tuple[Path, list[bytes]],
) -> None:
    path, received = clamd_socket
    scanner = ClamdScanner(socket=path, timeout=5)
    body = b"%PDF-1.7 " + b"x" * (3 * ClamdScanner.CHUNK + 17)
    assert await _scan(scanner, body[:1000], body[1000:]) == ScanVerdict(True)
    assert await _scan(scanner, b"%PDF-1.7 ", EICAR) == ScanVerdict(False, "Eicar-Signature")
    assert received == [body, b"%PDF-1.7 " + EICAR]


async def test_an_unreachable_clamd_is_unavailable_never_clean(tmp_path: Path) -> None:
    scanner = ClamdScanner(socket=tmp_path / "nobody-listens.sock", timeout=1)
    with pytest.raises(ScannerUnavailable) as info:
        await _scan(scanner, b"%PDF-1.7")
    assert info.value.status == 503
