"""Strict parsing of YAML and JSON metadata: each failure has its own code and pointer."""

from __future__ import annotations

from pathlib import Path

import pytest

from yiwang.metadata.documents import sources
from yiwang.metadata.documents.errors import MetadataInvalid


def _error(call: object, *args: object) -> MetadataInvalid:
    with pytest.raises(MetadataInvalid) as info:
        call(*args)  # type: ignore[operator]
    return info.value


def test_yaml_values_stay_json() -> None:
    value = sources.parse_yaml("a: 2026-01-01\nb: '01'\nc: [1, {d: true}]\n")
    assert value == {"a": "2026-01-01", "b": "01", "c": [1, {"d": True}]}


def test_yaml_duplicate_key_names_its_pointer_and_line() -> None:
    error = _error(sources.parse_yaml, "fields:\n  a: {x: 1}\n  b: 2\n  a: 3\n")
    assert error.code == "metadata.syntax.duplicate_key"
    assert error.pointer == "/fields/a"
    assert error.params["line"] == 4


def test_yaml_duplicate_key_inside_a_list() -> None:
    error = _error(sources.parse_yaml, "steps:\n  - key: a\n    key: b\n")
    assert (error.code, error.pointer) == ("metadata.syntax.duplicate_key", "/steps/0/key")


def test_yaml_merge_keys_are_not_duplicates() -> None:
    value = sources.parse_yaml("base: &b {x: 1}\nother:\n  <<: *b\n  y: 2\n")
    assert value["other"] == {"x": 1, "y": 2}


@pytest.mark.parametrize("text", ["01: x\n", "yes: x\n", "1.5: x\n"])
def test_yaml_keys_must_be_strings(text: str) -> None:
    error = _error(sources.parse_yaml, text)
    assert error.code == "metadata.syntax.key_not_string"
    assert error.params["line"] == 1


@pytest.mark.parametrize(
    ("text", "line"),
    [("a: [1\n", 2), ("a: 1\n b: 2\n", 2), ("a: 'x\n", 2), ("- a\n---\n- b\n", 2)],
)
def test_invalid_yaml_reports_a_position(text: str, line: int) -> None:
    error = _error(sources.parse_yaml, text)
    assert error.code == "metadata.syntax.yaml"
    assert error.params["line"] == line
    assert f"第 {line} 行" in error.message()


def test_empty_yaml() -> None:
    assert _error(sources.parse_yaml, "# only a comment\n").code == "metadata.syntax.empty"


def test_json_duplicate_key_names_its_pointer() -> None:
    error = _error(sources.parse_json, '{"fields": {"a": 1, "b": {"c": 1, "c": 2}}}')
    assert (error.code, error.pointer) == ("metadata.syntax.duplicate_key", "/fields/b/c")


@pytest.mark.parametrize("text", ['{"a": ', '{"a": NaN}', '{"a": Infinity}', "{'a': 1}"])
def test_invalid_json(text: str) -> None:
    assert _error(sources.parse_json, text).code == "metadata.syntax.json"


def test_json_syntax_error_has_line_and_column() -> None:
    error = _error(sources.parse_json, '{\n  "a": 1,\n  "b" 2\n}')
    assert (error.params["line"], error.params["column"]) == (3, 7)


def test_format_guessed_from_content() -> None:
    assert sources.parse_text('{"a": 1}') == {"a": 1}
    assert sources.parse_text("a: 1") == {"a": 1}


def test_bytes_must_be_utf8() -> None:
    assert _error(sources.parse_bytes, "a: 中".encode("gbk")).code == "metadata.syntax.encoding"
    assert sources.parse_bytes("\ufeffa: 中".encode()) == {"a": "中"}


def test_file_suffix_decides_the_parser(tmp_path: Path) -> None:
    (tmp_path / "a.json").write_text('{"a": 1}', encoding="utf-8")
    (tmp_path / "a.yml").write_text("a: 1\n", encoding="utf-8")
    (tmp_path / "a.txt").write_text("a: 1\n", encoding="utf-8")
    (tmp_path / "list.yaml").write_text("- 1\n", encoding="utf-8")
    assert sources.load_file(tmp_path / "a.json") == {"a": 1}
    assert sources.load_file(tmp_path / "a.yml") == {"a": 1}
    assert _error(sources.load_file, tmp_path / "a.txt").code == "metadata.syntax.format_unknown"
    assert _error(sources.load_mapping, tmp_path / "list.yaml").code == "metadata.syntax.not_object"
