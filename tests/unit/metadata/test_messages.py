"""Every code metadata can produce has a Chinese message; none leaves a placeholder unfilled."""

from __future__ import annotations

import json
import re
import string
from pathlib import Path

from yiwang.metadata.documents.schema_errors import KEYWORD_CODES
from yiwang.metadata.messages import ZH_CN

SRC = Path(__file__).resolve().parents[3] / "src" / "metadata"
CODE = re.compile(r'"(metadata\.[a-z_]+\.[a-z_]+|metadata\.invalid)"')


def _codes_in_sources() -> set[str]:
    codes: set[str] = set()
    for path in [*SRC.rglob("*.py"), *SRC.rglob("*.json")]:
        codes.update(CODE.findall(path.read_text(encoding="utf-8")))
    for prefix in ("metadata.schema", "metadata.record"):
        codes.update(f"{prefix}.{suffix}" for suffix in KEYWORD_CODES.values())
        codes.add(f"{prefix}.violation")
    return codes


def test_every_metadata_code_has_a_message() -> None:
    codes = _codes_in_sources()
    assert len(codes) > 80
    assert sorted(c for c in codes if c not in ZH_CN) == []


def test_metaschema_codes_are_catalogued() -> None:
    for name in ("metaschema_document.json", "metaschema_overlay.json"):
        text = (SRC / "documents" / name).read_text(encoding="utf-8")
        json.loads(text)
        for code in CODE.findall(text):
            assert code in ZH_CN, code


def test_record_messages_use_only_params_the_mapper_provides() -> None:
    provided = {
        "rule",
        "label",
        "value",
        "property",
        "expected",
        "allowed",
        "pattern",
        "format",
        "limit",
    }
    for code, message in ZH_CN.items():
        if code.startswith(("metadata.record.", "metadata.schema.")) and ".rule_" not in code:
            names = {name for _, name, _, _ in string.Formatter().parse(message) if name}
            assert names <= provided, code
