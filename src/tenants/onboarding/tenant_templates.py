"""Tenant templates: which departments and default roles each level gets.

A template is YAML in `tenant_templates/<name>.yaml`. `extends` names a parent
template (a province's own template extends `standard`); lists of departments
are merged by key, so a child can rename or add without repeating the rest.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from yiwang.platform.errors import InvalidInput, NotFound
from yiwang.platform.text import codepoint, first_unsafe
from yiwang.tenants.models import Level


@dataclass(frozen=True)
class DepartmentSpec:
    key: str
    name: str
    levels: frozenset[Level]
    #: name at province level where it differs (厅 for 局)
    province_name: str | None = None

    def name_at(self, level: Level) -> str:
        return self.province_name if level is Level.PROVINCE and self.province_name else self.name


@dataclass(frozen=True)
class TenantTemplate:
    name: str
    departments: tuple[DepartmentSpec, ...]
    default_roles: dict[Level, tuple[str, ...]]
    slugs: dict[str, str] = field(default_factory=dict)
    hosts: dict[str, tuple[str, ...]] = field(default_factory=dict)
    divisions_file: str | None = None
    calendar_files: tuple[str, ...] = ()
    #: the folder of `tenant_templates/` whose base model a root onboarded with it publishes
    base: str = "base"

    def departments_for(self, level: Level) -> list[DepartmentSpec]:
        return [d for d in self.departments if level in d.levels]


def _read(root: Path, name: str) -> dict[str, Any]:
    if not name.replace("-", "").replace("_", "").isalnum():
        raise NotFound("template.not_found", name=name)
    path = root / f"{name}.yaml"
    if not path.is_file():
        raise NotFound("template.not_found", name=name)
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise InvalidInput("template.invalid", name=name, detail="not a mapping")
    return data


def _merged(root: Path, name: str, seen: tuple[str, ...] = ()) -> dict[str, Any]:
    if name in seen:
        raise InvalidInput("template.invalid", name=name, detail="extends itself")
    data = _read(root, name)
    parent_name = data.get("extends")
    if not parent_name:
        return data
    parent = _merged(root, str(parent_name), (*seen, name))
    departments = {d["key"]: d for d in parent.get("departments", [])}
    for d in data.get("departments", []):
        departments[d["key"]] = {**departments.get(d["key"], {}), **d}
    roles = {**parent.get("default_roles", {}), **data.get("default_roles", {})}
    merged = {**parent, **data, "departments": list(departments.values()), "default_roles": roles}
    merged["calendars"] = [*parent.get("calendars", []), *data.get("calendars", [])]
    return merged


def load_template(root: Path, name: str) -> TenantTemplate:
    data = _merged(root, name)
    try:
        all_levels = frozenset(Level)
        departments = tuple(
            DepartmentSpec(
                key=str(d["key"]),
                name=str(d["name"]),
                levels=frozenset(Level(x) for x in d.get("levels", [])) or all_levels,
                province_name=d.get("province_name"),
            )
            for d in data.get("departments", [])
        )
        roles = {Level(k): tuple(v) for k, v in (data.get("default_roles") or {}).items()}
        slugs = {str(k): str(v) for k, v in (data.get("slugs") or {}).items()}
        hosts = {str(k): tuple(v) for k, v in (data.get("hosts") or {}).items()}
    except (KeyError, ValueError, TypeError, AttributeError) as exc:
        raise InvalidInput("template.invalid", name=name, detail=str(exc)) from exc
    for d in departments:
        for text in (d.key, d.name, d.province_name or ""):
            if (at := first_unsafe(text)) is not None:
                raise InvalidInput(
                    "template.invalid", name=name, detail=f"{codepoint(text[at])} in {d.key!r}"
                )
    keys = [d.key for d in departments]
    if len(keys) != len(set(keys)):
        raise InvalidInput("template.invalid", name=name, detail="duplicate department key")
    return TenantTemplate(
        name=name,
        departments=departments,
        default_roles=roles,
        slugs=slugs,
        hosts=hosts,
        divisions_file=data.get("divisions"),
        calendar_files=tuple(data.get("calendars", [])),
        base=_base_folder(name, data.get("base", "base")),
    )


def _base_folder(name: str, value: Any) -> str:
    folder = str(value)
    if not folder.replace("-", "").replace("_", "").isalnum():
        raise InvalidInput("template.invalid", name=name, detail=f"base {folder[:40]}")
    return folder
