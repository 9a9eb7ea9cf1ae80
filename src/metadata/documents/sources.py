"""Parse metadata written as YAML or JSON into plain JSON values.

Both parsers are stricter than their defaults, because a silently lost or
silently converted value in metadata becomes a wrong form for every citizen,
and because an uploaded document is attacker-controlled input:
- a key given twice in one mapping is an error (YAML and `json` keep the last);
- YAML mapping keys must be strings (`01:` or `yes:` would become 1 or True);
- YAML timestamps stay strings (`2026-01-01` is data, not a `datetime.date`);
- YAML anchors, aliases and merge keys are refused: an alias repeats a node
  without copying it, so nested aliases expand exponentially (the "billion
  laughs"); without them parsing is linear in the size of the document;
- only the JSON types are allowed (`!!binary`, `!!set`, `!!timestamp`,
  `!!python/...` and local tags are refused), and numbers must be finite;
- JSON `NaN` and `Infinity` are refused (they are not JSON);
- documents are at most `MAX_DOCUMENT_BYTES` long (YAML `MAX_YAML_BYTES`) and
  `MAX_DEPTH` deep, and
  their text holds no C0 control character but tab, line feed and return
  (PostgreSQL cannot store NUL).

YAML is built straight from the parser's events (libyaml's when installed), so
no node graph exists in which an alias could be expanded, and the time to
parse is linear in the size, which the limit bounds: the largest YAML document
admitted parses in a few hundred milliseconds on a busy core, faster than
PyYAML's own C loader builds it (`bench/edge_parsing.py`). A caller that may
not wait that long runs `parse_bytes` in a thread.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any, Final

import yaml
from yaml.constructor import SafeConstructor
from yaml.events import AliasEvent, NodeEvent
from yaml.nodes import ScalarNode

from yiwang.metadata.documents import pointers
from yiwang.metadata.documents.errors import MetadataInvalid
from yiwang.platform.errors import ErrorDetail
from yiwang.platform.text import TEXT_UNSAFE, codepoint, first_unsafe

YAML_SUFFIXES = (".yaml", ".yml")
JSON_SUFFIXES = (".json",)

#: the largest metadata document accepted (every bundled YAML file together is 125 KB)
MAX_DOCUMENT_BYTES: Final = 1 << 20
#: YAML costs more to parse than JSON: a quarter of the size, twice every bundled file together
MAX_YAML_BYTES: Final = 1 << 18
#: the deepest nesting accepted (the bundled documents reach 10)
MAX_DEPTH: Final = 64

_YAML = "tag:yaml.org,2002:"
_SCALAR_TAGS: Final = frozenset(f"{_YAML}{t}" for t in ("str", "int", "float", "bool", "null"))
_SEQ, _MAP, _STR, _FLOAT, _MERGE = (f"{_YAML}{t}" for t in ("seq", "map", "str", "float", "merge"))
#: libyaml's parser when the wheel has it (ten times faster), PyYAML's otherwise; same events
_EVENT_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _fail(code: str, pointer: str = "", **params: Any) -> MetadataInvalid:
    return MetadataInvalid(
        code, pointer=pointer, details=[ErrorDetail(code, pointer, params)], **params
    )


def _line(event: Any) -> int:
    mark = getattr(event, "start_mark", None)
    return int(mark.line) + 1 if mark is not None else 0


class _Resolver(yaml.resolver.Resolver):
    """Types plain scalars like SafeLoader does, without the implicit timestamp type."""


_Resolver.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != f"{_YAML}timestamp"]
    for first, resolvers in yaml.resolver.Resolver.yaml_implicit_resolvers.items()
}


class _Builder:
    """Builds plain JSON values straight from the parser's events, in one pass.

    No node graph is composed, so an alias could never be expanded; aliases and
    anchors are refused anyway, with every other rule of the module docstring,
    at the event that breaks it.
    """

    def __init__(self) -> None:
        self.resolver = _Resolver()
        self.constructor = SafeConstructor()
        #: open containers: (container, its pointer, pending key or None, key lines)
        self.stack: list[tuple[Any, str, Any, dict[str, int]]] = []
        self.result: Any = None
        self.documents = 0

    def _pointer(self) -> str:
        if not self.stack:
            return ""
        container, pointer, key, _ = self.stack[-1]
        if isinstance(container, list):
            return pointers.join(pointer, len(container))
        return pointers.join(pointer, key) if isinstance(key, str) else pointer

    def _add(self, value: Any, event: Any) -> None:
        if not self.stack:
            self.result = value
            return
        container, pointer, key, lines = self.stack[-1]
        if isinstance(container, list):
            container.append(value)
            return
        if key is None:  # this value is a key
            line = _line(event)
            if not isinstance(value, str):
                raw = getattr(event, "value", "?")
                raise _fail(
                    "metadata.syntax.key_not_string",
                    pointers.join(pointer, str(raw)) if raw != "?" else pointer,
                    key=raw,
                    line=line,
                )
            if value in lines:
                raise _fail(
                    "metadata.syntax.duplicate_key",
                    pointers.join(pointer, value),
                    key=value,
                    line=line,
                    first=lines[value],
                )
            lines[value] = line
            self.stack[-1] = (container, pointer, value, lines)
            return
        container[key] = value
        self.stack[-1] = (container, pointer, None, lines)

    def _open(self, container: Any, event: Any) -> None:
        if self.stack and isinstance(self.stack[-1][0], dict) and self.stack[-1][2] is None:
            raise _fail(
                "metadata.syntax.key_not_string", self.stack[-1][1], key="?", line=_line(event)
            )
        if len(self.stack) >= MAX_DEPTH:
            raise _fail(
                "metadata.syntax.too_deep", self._pointer(), line=_line(event), limit=MAX_DEPTH
            )
        self.stack.append((container, self._pointer(), None, {}))

    def _close(self, event: Any) -> None:
        container, _, _, _ = self.stack.pop()
        self._add(container, event)

    def _tag(self, event: Any, allowed: frozenset[str] | str) -> None:
        tag = event.tag
        if tag is None or tag == "!" or tag == allowed or tag in allowed:
            return
        raise _fail(
            "metadata.syntax.yaml_tag",
            self._pointer(),
            tag=str(tag).removeprefix(_YAML),
            line=_line(event),
        )

    def _scalar(self, event: yaml.ScalarEvent) -> Any:
        self._tag(event, _SCALAR_TAGS)
        tag = event.tag
        if tag is None or tag == "!":
            tag = self.resolver.resolve(ScalarNode, event.value, event.implicit)  # type: ignore[no-untyped-call]
        if tag == _MERGE:
            raise _fail("metadata.syntax.yaml_alias", self._pointer(), line=_line(event))
        if tag == _STR:
            _check_text(event.value, self._pointer())
            return event.value
        node = ScalarNode(tag, event.value)
        try:
            value = SafeConstructor.yaml_constructors[tag](self.constructor, node)
        except (yaml.YAMLError, ValueError) as exc:  # "!!int x", or more digits than int() takes
            raise _fail("metadata.syntax.yaml", line=_line(event), column=0) from exc
        if tag == _FLOAT and not math.isfinite(value):
            raise _fail("metadata.syntax.not_finite", self._pointer())
        return value

    def feed(self, event: Any) -> None:
        if isinstance(event, AliasEvent) or (
            isinstance(event, NodeEvent) and event.anchor is not None
        ):
            raise _fail("metadata.syntax.yaml_alias", self._pointer(), line=_line(event))
        if isinstance(event, yaml.ScalarEvent):
            self._add(self._scalar(event), event)
        elif isinstance(event, yaml.SequenceStartEvent):
            self._tag(event, _SEQ)
            self._open([], event)
        elif isinstance(event, yaml.MappingStartEvent):
            self._tag(event, _MAP)
            self._open({}, event)
        elif isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
            self._close(event)
        elif isinstance(event, yaml.DocumentStartEvent):
            self.documents += 1
            if self.documents > 1:
                raise _fail("metadata.syntax.yaml", line=_line(event), column=1)


def parse_yaml(text: str) -> Any:
    """Parse one YAML document within the bounds above; refuse duplicate and non-string keys."""
    _check_size(len(text), MAX_YAML_BYTES)
    builder = _Builder()
    try:
        for event in yaml.parse(text, Loader=_EVENT_LOADER):
            builder.feed(event)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 0
        column = mark.column + 1 if mark else 0
        raise _fail("metadata.syntax.yaml", line=line, column=column) from exc
    except yaml.YAMLError as exc:
        raise _fail("metadata.syntax.yaml", line=0, column=0) from exc
    if builder.documents == 0:
        raise _fail("metadata.syntax.empty")
    return builder.result


def _check_size(length: int, limit: int = MAX_DOCUMENT_BYTES) -> None:
    # a character is at least one byte, so a text this long is too long in UTF-8 too
    if length > limit:
        raise _fail("metadata.syntax.too_large", limit=limit)


def _check_values(value: Any) -> None:
    """Every string (keys too) free of control characters, every number finite, depth bounded.

    Iterative, so a document nested deeper than Python's recursion limit is
    reported, not crashed on.
    """
    stack: list[tuple[Any, str, int]] = [(value, "", 1)]
    while stack:
        item, pointer, depth = stack.pop()
        if isinstance(item, str):
            _check_text(item, pointer)
        elif isinstance(item, float) and not math.isfinite(item):
            raise _fail("metadata.syntax.not_finite", pointer)
        elif isinstance(item, (dict, list)):
            if depth > MAX_DEPTH:
                raise _fail("metadata.syntax.too_deep", pointer, line=0, limit=MAX_DEPTH)
            if isinstance(item, list):
                stack.extend(
                    (child, pointers.join(pointer, index), depth + 1)
                    for index, child in enumerate(item)
                )
                continue
            for key, child in item.items():
                child_pointer = pointers.join(pointer, key) if isinstance(key, str) else pointer
                if isinstance(key, str):
                    _check_text(key, child_pointer)
                stack.append((child, child_pointer, depth + 1))


def _check_text(text: str, pointer: str) -> None:
    at = first_unsafe(text, TEXT_UNSAFE)
    if at is not None:
        raise _fail("metadata.syntax.control_character", pointer, char=codepoint(text[at]))


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
    """Parse JSON within the bounds above; refuse duplicate keys and non-standard constants."""
    _check_size(len(text))
    try:
        value = json.loads(text, object_pairs_hook=_pairs_hook, parse_constant=_refuse_constant)
    except json.JSONDecodeError as exc:
        raise _fail("metadata.syntax.json", line=exc.lineno, column=exc.colno) from exc
    except RecursionError as exc:
        raise _fail("metadata.syntax.too_deep", line=0, limit=MAX_DEPTH) from exc
    except ValueError as exc:
        raise _fail("metadata.syntax.json", line=0, column=0) from exc
    _check_values(value)
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
    _check_size(len(data))
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
