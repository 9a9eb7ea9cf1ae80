"""`yiwang metadata validate` without a database: it checks against tenant_templates/."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner

from yiwang.metadata.commands import metadata_group
from yiwang.platform.settings import Settings

from .conftest import TEMPLATES

#: nothing listens here: the command must fall back to the templates
OFFLINE = replace(
    Settings(),
    database_url="postgresql+psycopg://nobody:nothing@127.0.0.1:9/none",
    templates_root=TEMPLATES,
)


def _validate(path: Path, *extra: str) -> tuple[int, str]:
    result = CliRunner().invoke(metadata_group, ["validate", str(path), *extra], obj=OFFLINE)
    return result.exit_code, result.stdout


@pytest.mark.parametrize("name", ["620100.yaml", "620102.yaml", "620123.yaml"])
def test_example_overlays_are_valid(name: str) -> None:
    code, out = _validate(TEMPLATES / "overlays" / name)
    assert (code, json.loads(out)) == (0, [])


def test_base_documents_are_valid() -> None:
    for path in sorted((TEMPLATES / "base" / "types").glob("*.yaml"))[:3]:
        code, out = _validate(path)
        assert (code, json.loads(out)) == (0, []), path


def test_invalid_overlay_lists_code_pointer_message(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(
        'tenant: "620103"\n'
        "documents:\n"
        "  food_business_license:\n"
        "    routes:\n"
        "      licensing: {promised_days: 25, remove: [decide]}\n",
        encoding="utf-8",
    )
    code, out = _validate(path)
    assert code == 1
    errors = json.loads(out)
    assert [(e["code"], e["pointer"]) for e in errors] == [
        (
            "metadata.overlay.promise_exceeds_statutory",
            "/documents/food_business_license/routes/licensing/promised_days",
        ),
        (
            "metadata.overlay.mandatory_step_dropped",
            "/documents/food_business_license/routes/licensing/remove/0",
        ),
    ]
    assert all(set(e) == {"code", "pointer", "message"} for e in errors)


def test_an_overlay_is_checked_against_its_ancestors(tmp_path: Path) -> None:
    path = tmp_path / "county.json"
    patch = {"licensing": {"update": {"x_lz_recheck": {"mandatory": False}}}}
    body = {"tenant": "620103", "documents": {"food_business_license": {"routes": patch}}}
    path.write_text(json.dumps(body), encoding="utf-8")
    code, out = _validate(path)
    assert code == 1
    assert json.loads(out)[0]["code"] == "metadata.overlay.mandatory_step_dropped"
    # under a prefecture without that step, the same change names an unknown step
    code, out = _validate(path, "--tenant", "620201")
    assert json.loads(out)[0]["code"] == "metadata.overlay.unknown_target"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("key: a\nkey: b\n", "metadata.syntax.duplicate_key"),
        ("key: [a\n", "metadata.syntax.yaml"),
        (
            "key: thing\nkind: item\nlabel: 东西\nfields:\n  a: {type: money2, label: A}\n",
            "metadata.field.type_unknown",
        ),
        (
            "key: thing\nkind: item\nlabel: 东西\nfields:\n"
            "  a: {type: reference, label: A, ref_type: nowhere}\n",
            "metadata.field.ref_type_missing",
        ),
    ],
)
def test_bad_documents_fail_with_their_code(tmp_path: Path, text: str, expected: str) -> None:
    path = tmp_path / "doc.yaml"
    path.write_text(text, encoding="utf-8")
    code, out = _validate(path)
    assert code == 1
    assert json.loads(out)[0]["code"] == expected
