"""Rules of the house that no linter checks: where settings are read, what a migration may
import, what an installed wheel contains, and that every room says what it holds."""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
SRC = ROOT / "src"


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


def test_the_environment_is_read_only_in_settings_modules() -> None:
    offenders = []
    for path in SRC.rglob("*.py"):
        if path.name == "settings.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            reads_os = (
                isinstance(node, ast.Attribute)
                and node.attr in {"environ", "getenv", "putenv"}
                and isinstance(node.value, ast.Name)
                and node.value.id == "os"
            )
            imports_it = (
                isinstance(node, ast.ImportFrom)
                and node.module == "os"
                and bool({a.name for a in node.names} & {"environ", "getenv"})
            )
            if reads_os or imports_it:
                offenders.append(f"{path.relative_to(ROOT)}:{getattr(node, 'lineno', 0)}")
    assert offenders == []


def test_a_migration_is_a_frozen_text() -> None:
    versions = sorted((ROOT / "migrations" / "versions").glob("*.py"))
    assert versions
    for path in versions:
        live = {m for m in _imports(path) if m.split(".")[0] in {"yiwang", "migrations"}}
        assert live == set(), path.name


def test_the_wheel_lists_every_package() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"][
        "setuptools"
    ]
    on_disk = {"yiwang"} | {
        "yiwang." + ".".join(p.parent.relative_to(SRC).parts)
        for p in SRC.rglob("__init__.py")
        if p.parent != SRC
    }
    mapped = {name for name in config["package-dir"] if name != "yiwang"}
    assert set(config["packages"]) == on_disk | mapped


def test_every_package_says_what_it_holds() -> None:
    silent = []
    for init in SRC.rglob("__init__.py"):
        doc = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8")))
        if not doc or "TODO" in doc:
            silent.append(str(init.relative_to(ROOT)))
    assert silent == []
