"""The server's own look at an object: HEAD first, then one read through every check."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator

import pytest

from yiwang.platform.storage import ObjectHead
from yiwang.runtime.attachments.inspection import Expected, Inspection, head_problem, inspect
from yiwang.runtime.attachments.scanning import EicarScanner

from . import samples

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


async def _chunks(body: bytes, size: int = 1000) -> AsyncIterator[bytes]:
    for start in range(0, len(body), size):
        yield body[start : start + size]


async def _inspect(body: bytes, expected: Expected) -> Inspection:
    return await inspect(_chunks(body), expected, EicarScanner())


@pytest.mark.parametrize(
    ("size", "content_type", "problem"),
    [
        (100, "image/png", None),
        (100, None, None),
        (0, "image/png", "empty"),
        (101, "image/png", "too_large"),
        (99, "image/png", "size_mismatch"),
        (100, "text/html", "content_type_tampered"),
    ],
)
def test_head(size: int, content_type: str | None, problem: str | None) -> None:
    head = ObjectHead("t/1/attachments/x", size, content_type)
    assert head_problem(head, Expected(100, 100, "image/png")) == problem


async def test_a_png_passes_with_its_measured_size_and_digest() -> None:
    body = samples.png(64, 64)
    found = await _inspect(body, Expected(len(body), 10_000, "image/png"))
    assert found == Inspection(len(body), hashlib.sha256(body).hexdigest())


async def test_progress_counts_bytes_read() -> None:
    seen: list[int] = []

    async def progress(done: int) -> None:
        seen.append(done)

    body = samples.pdf(b"x" * 2500)
    await inspect(
        _chunks(body), Expected(len(body), 10_000, "application/pdf"), EicarScanner(), progress
    )
    assert seen[-1] == len(body) and seen == sorted(seen)


@pytest.mark.parametrize(
    ("body", "content_type", "reason"),
    [
        (samples.html(), "image/png", "type_mismatch"),
        (samples.svg(), "image/png", "type_mismatch"),
        (samples.png(text=b"<script>alert(1)</script>"), "image/png", "markup"),
        (samples.eicar_pdf(), "application/pdf", "infected"),
        (samples.zip_with("word/document.xml", "word/vbaProject.bin"), DOCX, "type_mismatch"),
        (b"", "image/png", "empty"),
    ],
)
async def test_disguised_infected_and_empty_files_are_rejected(
    body: bytes, content_type: str, reason: str
) -> None:
    found = await _inspect(body, Expected(len(body), 10_000, content_type))
    assert found.reason == reason
    assert found.sha256 is None or reason == "infected"


async def test_an_infected_file_names_its_signature() -> None:
    body = samples.eicar_pdf()
    found = await _inspect(body, Expected(len(body), 10_000, "application/pdf"))
    assert (found.reason, found.signature) == ("infected", "Eicar-Test-Signature")


async def test_a_body_larger_than_allowed_stops_being_read() -> None:
    read = 0

    async def endless() -> AsyncIterator[bytes]:
        nonlocal read
        yield samples.png()
        while True:
            read += 1
            yield b"\x00" * 1000

    found = await inspect(endless(), Expected(500, 5_000, "image/png"), EicarScanner())
    assert found.reason == "too_large"
    assert read <= 6


async def test_a_body_of_another_size_than_declared_is_rejected() -> None:
    body = samples.png()
    found = await _inspect(body, Expected(len(body) + 1, 10_000, "image/png"))
    assert found.reason == "size_mismatch"


async def test_a_real_docx_passes() -> None:
    body = samples.docx()
    found = await _inspect(body, Expected(len(body), 10_000, DOCX))
    assert found.passed
