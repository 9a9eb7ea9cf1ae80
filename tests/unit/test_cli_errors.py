"""Every command group, with the database and Redis unreachable, answers with one line of
JSON error on stderr and a non-zero exit: never a traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from yiwang.cli import main

NOWHERE = "postgresql+psycopg://nobody:nothing@127.0.0.1:9/none"
TEMPLATES = Path(__file__).resolve().parents[2] / "tenant_templates"

COMMANDS = [
    ["tenants", "list"],
    ["tenants", "onboard", "--divisions", "gansu-divisions.csv", "--template", "gansu"],
    ["tenants", "suspend", "620102"],
    ["tenants", "resume", "620102"],
    ["tenants", "archive", "620102"],
    ["calendar", "show", "--tenant", "620102", "--year", "2026"],
    [
        "calendar",
        "import",
        "--tenant",
        "620000",
        "--year",
        "2026",
        str(TEMPLATES / "cn-holidays-2026.csv"),
    ],
    ["metadata", "effective", "--tenant", "620102", "--type", "service_item"],
    ["metadata", "diff", "--tenant", "620102"],
    ["metadata", "publish", "--tenant", "620102", "--yes"],
    ["metadata", "rollback", "--tenant", "620102", "--yes"],
    ["metadata", "export", "--tenant", "620102"],
    ["metadata", "import", str(TEMPLATES / "overlays" / "620102.yaml"), "--tenant", "620102"],
    ["metadata", "seed"],
    ["users", "create", "someone", "--kind", "staff", "--tenant", "620102"],
    ["roles", "grant", "someone", "county_operator", "--tenant", "620102"],
    ["roles", "revoke", "someone", "county_operator", "--tenant", "620102"],
    ["roles", "list"],
    ["policy", "explain", "someone", "read", "metadata", "--tenant", "620102"],
    ["policy", "deny", "county_operator", "read", "metadata", "--tenant", "620102"],
    ["audit", "verify"],
    ["db", "upgrade"],
    ["bootstrap"],
]


@pytest.fixture
def unreachable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", NOWHERE)
    monkeypatch.setenv("MIGRATION_DATABASE_URL", NOWHERE)
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:9/0")


def _one_error_line(stderr: str) -> dict[str, str]:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr
    error: dict[str, str] = json.loads(lines[0])["error"]
    assert any("\u4e00" <= ch <= "\u9fff" for ch in error["message"]), error
    return error


@pytest.mark.parametrize("args", COMMANDS, ids=[" ".join(c[:2]) for c in COMMANDS])
def test_an_unreachable_database_is_one_line_in_chinese(unreachable: None, args: list[str]) -> None:
    result = CliRunner().invoke(main, args, catch_exceptions=False)
    assert result.exit_code == 1, result.output
    assert _one_error_line(result.stderr)["code"] == "service.database_unavailable"


def test_a_missing_file_names_it(unreachable: None) -> None:
    result = CliRunner().invoke(
        main, ["tenants", "onboard", "--divisions", "no-such-file.csv"], catch_exceptions=False
    )
    assert result.exit_code == 1
    error = _one_error_line(result.stderr)
    assert error["code"] == "cli.file_missing" and "no-such-file.csv" in error["message"]


def test_a_malformed_file_is_refused_with_its_code(tmp_path: Path, unreachable: None) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("key: [unclosed\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["metadata", "import", str(bad), "--tenant", "620102"])
    assert result.exit_code == 1
    assert json.loads(result.stdout)[0]["code"] == "metadata.syntax.yaml"


def test_a_wrong_setting_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_POOL_SIZE", "many")
    result = CliRunner().invoke(main, ["tenants", "list"], catch_exceptions=False)
    assert result.exit_code == 1
    error = _one_error_line(result.stderr)
    assert (error["code"], error["pointer"]) == ("settings.invalid", "/DATABASE_POOL_SIZE")


def test_a_usage_error_is_json_too() -> None:
    result = CliRunner().invoke(main, ["tenants", "no-such-command"], catch_exceptions=False)
    assert result.exit_code == 2
    assert _one_error_line(result.stderr)["code"] == "cli.usage"
