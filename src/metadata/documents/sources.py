"""Parse metadata written as YAML or JSON into plain JSON values.

Both parsers are stricter than their defaults, because a silently lost or
silently converted value in metadata becomes a wrong form for every citizen:
- a key given twice in one mapping is an error (YAML and `json` keep the last);
- YAML mapping keys must be strings (`01:` or `yes:` would become 1 or True);
- YAML timestamps stay strings (`2026-01-01` is data, not a `datetime.date`);
- JSON `NaN` and `Infinity` are refused (they are not JSON).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from yiwang.metadata.documents import pointers
from yiwang.metadata.documents.errors import MetadataInvalid
from yiwang.platform.errors import ErrorDetail

YAML_SUFFIXES = (".yaml", ".yml")
JSON_SUFFIXES = (".json",)


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader without the implicit timestamp type."""


_StrictLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _fail(code: str, pointer: str = "", **params: Any) -> MetadataInvalid:
    return MetadataInvalid(
        code, pointer=pointer, details=[ErrorDetail(code, pointer, params)], **params
    )


def parse_yaml(text: str) -> Any:
    """Parse one YAML document; refuse duplicate and non-string keys."""
    loader = _StrictLoader(text)
    try:
        try:
            node = loader.get_single_node()
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            line = mark.line + 1 if mark else 0
            column = mark.column + 1 if mark else 0
            raise _fail("metadata.syntax.yaml", line=line, column=column) from exc
        except yaml.YAMLError as exc:
            raise _fail("metadata.syntax.yaml", line=0, column=0) from exc
        if node is None:
            raise _fail("metadata.syntax.empty")
        _check_yaml_keys(loader, node, "")
        try:
            return loader.construct_document(node)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            line = mark.line + 1 if mark else 0
            column = mark.column + 1 if mark else 0
            raise _fail("metadata.syntax.yaml", line=line, column=column) from exc
    finally:
        loader.dispose()


def _check_yaml_keys(loader: _StrictLoader, node: Node, pointer: str) -> None:
    """Walk the node tree, so a duplicate is reported with the pointer of its mapping."""
    if isinstance(node, SequenceNode):
        for index, item in enumerate(node.value):
            _check_yaml_keys(loader, item, pointers.join(pointer, index))
    elif isinstance(node, MappingNode):
        seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            line = key_node.start_mark.line + 1
            if not isinstance(key_node, ScalarNode):
                raise _fail("metadata.syntax.key_not_string", pointer, key="?", line=line)
            if key_node.tag == "tag:yaml.org,2002:merge":
                _check_yaml_keys(loader, value_node, pointer)
                continue
            key = loader.construct_object(key_node)
            if not isinstance(key, str):
                raise _fail(
                    "metadata.syntax.key_not_string",
                    pointers.join(pointer, str(key_node.value)),
                    key=key_node.value,
                    line=line,
                )
            child = pointers.join(pointer, key)
            if key in seen:
                raise _fail(
                    "metadata.syntax.duplicate_key", child, key=key, line=line, first=seen[key]
                )
            seen[key] = line
            _check_yaml_keys(loader, value_node, child)


class _Duplicate:
    """Marks, as a dict key, the keys a JSON object repeated (found after parsing)."""

    __slots__ = ("keys",)

    def __init__(self, keys: list[str]) -> None:
        self.keys = keys


def _pairs_hook(pairs: list[tuple[str, Any]]) -> dict[Any, Any]:
    out: dict[Any, Any] = {}
    dups: list[str] = []
    for key, value in pairs:
        if key in out:
            dups.append(key)
        out[key] = value
    if dups:
        out[_Duplicate(dups)] = None
    return out


def _refuse_constant(name: str) -> Any:
    raise ValueError(name)


def parse_json(text: str) -> Any:
    """Parse JSON; refuse duplicate keys and non-standard constants."""
    try:
        value = json.loads(text, object_pairs_hook=_pairs_hook, parse_constant=_refuse_constant)
    except json.JSONDecodeError as exc:
        raise _fail("metadata.syntax.json", line=exc.lineno, column=exc.colno) from exc
    except ValueError as exc:
        raise _fail("metadata.syntax.json", line=0, column=0) from exc
    _check_json_duplicates(value, "")
    return value


def _check_json_duplicates(value: Any, pointer: str) -> None:
    if isinstance(value, list):
        for index, item in enumerate(value):
            _check_json_duplicates(item, pointers.join(pointer, index))
    elif isinstance(value, dict):
        for key, item in value.items():
            if isinstance(key, _Duplicate):
                first = key.keys[0]
                raise _fail(
                    "metadata.syntax.duplicate_key",
                    pointers.join(pointer, first),
                    key=first,
                    line=0,
                    first=0,
                )
            _check_json_duplicates(item, pointers.join(pointer, key))


_JSON_START = re.compile(r"\A\s*[\[{]")


def parse_text(text: str, fmt: str | None = None) -> Any:
    """Parse `text` as `fmt` ("yaml" or "json"); guess from the first character if None."""
    if fmt is None:
        fmt = "json" if _JSON_START.match(text) else "yaml"
    if fmt == "json":
        return parse_json(text)
    if fmt == "yaml":
        return parse_yaml(text)
    raise _fail("metadata.syntax.format_unknown", suffix=fmt)


def parse_bytes(data: bytes, fmt: str | None = None) -> Any:
    """Decode UTF-8 (a BOM is tolerated) and parse."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _fail("metadata.syntax.encoding") from exc
    return parse_text(text, fmt)


def format_of(path: Path) -> str:
    """ "yaml" or "json" from the file name; anything else is an error."""
    suffix = path.suffix.lower()
    if suffix in YAML_SUFFIXES:
        return "yaml"
    if suffix in JSON_SUFFIXES:
        return "json"
    raise _fail("metadata.syntax.format_unknown", suffix=suffix or path.name)


def load_file(path: Path) -> Any:
    """Read and parse one metadata file."""
    return parse_bytes(path.read_bytes(), format_of(path))


def load_mapping(path: Path) -> dict[str, Any]:
    """Read a file whose top level must be a mapping (every document and overlay)."""
    value = load_file(path)
    if not isinstance(value, dict):
        raise _fail("metadata.syntax.not_object")
    return value
