"""Magic bytes, polyglots and containers: what the verifier tells apart."""

from __future__ import annotations

import io

import pytest

from yiwang.metadata.documents.field_types import ACCEPTABLE_FILE_TYPES
from yiwang.runtime.attachments.filetypes import (
    FILE_TYPES,
    container_problem,
    extension_fits,
    head_problem,
)

from . import samples

PNG = "image/png"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def test_every_acceptable_type_has_a_signature_and_no_other() -> None:
    assert set(FILE_TYPES) == set(ACCEPTABLE_FILE_TYPES)
    assert "text/html" not in FILE_TYPES and "image/svg+xml" not in FILE_TYPES


@pytest.mark.parametrize(
    ("media_type", "body", "problem"),
    [
        (PNG, samples.png(), None),
        ("application/pdf", samples.pdf(), None),
        ("image/jpeg", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00", None),
        ("image/webp", b"RIFF\x24\x00\x00\x00WEBPVP8 ", None),
        (PNG, samples.html(), "type_mismatch"),
        (PNG, samples.svg(), "type_mismatch"),
        (PNG, samples.pdf(), "type_mismatch"),
        ("image/jpeg", samples.png(), "type_mismatch"),
        ("image/webp", b"RIFF\x24\x00\x00\x00WAVEfmt ", "type_mismatch"),
        (PNG, samples.png(text=b"<html><script>alert(1)</script>"), "markup"),
        (PNG, samples.png(text=b"<SVG onload=alert(1)>"), "markup"),
        ("application/pdf", samples.html(), "type_mismatch"),
        ("text/html", samples.html(), "type_mismatch"),
    ],
)
def test_head(media_type: str, body: bytes, problem: str | None) -> None:
    assert head_problem(media_type, body[:4096]) == problem


def test_extensions_follow_the_type() -> None:
    assert extension_fits("image/jpeg", "jpg") and extension_fits("image/jpeg", "jpeg")
    assert not extension_fits(PNG, "html")
    assert not extension_fits("image/svg+xml", "svg")


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (samples.docx(), None),
        (samples.zip_with("readme.txt"), "type_mismatch"),
        (samples.zip_with("word/document.xml", "word/vbaProject.bin"), "type_mismatch"),
        (b"PK\x03\x04 not really a zip archive", "type_mismatch"),
    ],
)
def test_a_docx_is_a_zip_holding_a_word_document(body: bytes, problem: str | None) -> None:
    assert container_problem(DOCX, io.BytesIO(body)) == problem


def test_formats_without_a_container_have_nothing_to_open() -> None:
    assert container_problem(PNG, io.BytesIO(b"")) is None
