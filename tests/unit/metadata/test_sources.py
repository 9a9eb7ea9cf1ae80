"""Strict parsing of YAML and JSON metadata: each failure has its own code and pointer."""

from __future__ import annotations

import json
import time
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


@pytest.mark.parametrize(
    "text",
    [
        "base: &b {x: 1}\nother:\n  <<: *b\n  y: 2\n",
        "base: &b {x: 1}\n",
        "other:\n  <<: {x: 1}\n",
        "a: [&x 1]\nb: *x\n",
    ],
)
def test_yaml_anchors_aliases_and_merge_keys_are_refused(text: str) -> None:
    assert _error(sources.parse_yaml, text).code == "metadata.syntax.yaml_alias"


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


def _alias_bomb(levels: int) -> str:
    """The 375-byte attack of the security review: each level repeats the last nine times."""
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for level in range(1, levels):
        prev, name = chr(ord("a") + level - 1), chr(ord("a") + level)
        lines.append(f"{name}: &{name} [" + ",".join(f"*{prev}" for _ in range(9)) + "]")
    return "\n".join(lines) + "\n"


def test_the_alias_bomb_is_refused_at_once() -> None:
    bomb = _alias_bomb(9)
    assert len(bomb) < 400
    started = time.perf_counter()
    error = _error(sources.parse_bytes, bomb.encode(), "yaml")
    assert time.perf_counter() - started < 0.1
    assert (error.code, error.params["line"]) == ("metadata.syntax.yaml_alias", 1)


@pytest.mark.parametrize(
    ("text", "tag"),
    [
        ("a: !!binary aGVsbG8=\n", "binary"),
        ("a: !!set {x, y}\n", "set"),
        ("a: !!timestamp 2026-01-01\n", "timestamp"),
        ("a: !!python/object:os.system x\n", "python/object:os.system"),
        ("a: !!omap [{x: 1}]\n", "omap"),
        ("a: !local x\n", "!local"),
    ],
)
def test_yaml_types_beyond_json_are_refused_with_a_pointer(text: str, tag: str) -> None:
    error = _error(sources.parse_yaml, text)
    assert (error.code, error.pointer, error.params["tag"]) == (
        "metadata.syntax.yaml_tag",
        "/a",
        tag,
    )


def test_explicit_json_tags_are_fine() -> None:
    assert sources.parse_yaml("a: !!str 01\nb: !!int '3'\n") == {"a": "01", "b": 3}


@pytest.mark.parametrize("text", ["a: .inf\n", "a: -.inf\n", "a: .nan\n", "a: 1.0e+400\n"])
def test_numbers_must_be_finite(text: str) -> None:
    error = _error(sources.parse_yaml, text)
    assert (error.code, error.pointer) == ("metadata.syntax.not_finite", "/a")


def test_a_huge_integer_is_a_syntax_error_not_a_crash() -> None:
    assert _error(sources.parse_yaml, "a: " + "9" * 5000 + "\n").code == "metadata.syntax.yaml"


def _block(depth: int) -> str:
    """`depth` mappings, each inside the one before."""
    return "".join(" " * level + f"k{level}:\n" for level in range(depth)) + " " * depth + "x"


@pytest.mark.parametrize(
    ("text", "fmt", "code"),
    [
        ("[" * 10_000 + "]" * 10_000, "json", "metadata.syntax.too_deep"),
        ('{"a":' * 100 + "1" + "}" * 100, "json", "metadata.syntax.too_deep"),
        (_block(sources.MAX_DEPTH + 1), "yaml", "metadata.syntax.too_deep"),
        # libyaml stops a flow collection 1000 deep itself, as a syntax error
        ("[" * 10_000 + "]" * 10_000, "yaml", "metadata.syntax.yaml"),
    ],
)
def test_deep_nesting_is_refused(text: str, fmt: str, code: str) -> None:
    assert _error(sources.parse_text, text, fmt).code == code


@pytest.mark.parametrize("fmt", ["yaml", "json"])
def test_nesting_up_to_the_limit_is_fine(fmt: str) -> None:
    ok = "[" * sources.MAX_DEPTH + "]" * sources.MAX_DEPTH
    assert sources.parse_text(ok, fmt) == json.loads(ok)
    assert sources.parse_yaml(_block(sources.MAX_DEPTH))["k0"] is not None


@pytest.mark.parametrize(
    ("text", "fmt", "pointer"),
    [
        ('a: "x\\0y"\n', "yaml", "/a"),
        ('{"a": {"b\\u0000": 1}}', "json", "/a/b\x00"),
        ('{"a": ["ok", "\\u001b[31m"]}', "json", "/a/1"),
    ],
)
def test_control_characters_are_refused(text: str, fmt: str, pointer: str) -> None:
    error = _error(sources.parse_text, text, fmt)
    assert (error.code, error.pointer) == ("metadata.syntax.control_character", pointer)


def test_size_is_capped_before_parsing() -> None:
    big = b"a: " + b"x" * sources.MAX_DOCUMENT_BYTES
    assert _error(sources.parse_bytes, big, "yaml").code == "metadata.syntax.too_large"
    assert _error(sources.parse_bytes, big, "json").code == "metadata.syntax.too_large"
    yaml_too_big = "a: " + "x" * sources.MAX_YAML_BYTES
    assert _error(sources.parse_yaml, yaml_too_big).code == "metadata.syntax.too_large"


def test_a_document_at_the_size_limit_parses_in_bounded_time() -> None:
    """Linear parsing: the largest document admitted costs well under a second."""
    row = "  f{i}: {{label: 名称{i}, type: string, required: true}}\n"
    text = "fields:\n"
    i = 0
    while len(text.encode()) < sources.MAX_YAML_BYTES - 200:
        text += row.format(i=i)
        i += 1
    started = time.perf_counter()
    value = sources.parse_bytes(text.encode(), "yaml")
    elapsed = time.perf_counter() - started
    assert len(value["fields"]) == i
    # ~0.25 s on an idle core; the bound leaves room for a loaded CI machine
    assert elapsed < 3, elapsed
