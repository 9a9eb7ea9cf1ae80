"""The role catalogue (`tenant_templates/roles.yaml`): roles, objects, actions.

The catalogue is the one place where permissions are written. It is checked
strictly on load: a typo in a role or action key would otherwise become a
permission nobody holds or a grant nobody can check, silently.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from yiwang.platform.errors import InvalidInput
from yiwang.policy.domains import ROOT
from yiwang.policy.names import check_name

CATALOGUE_FILE = "roles.yaml"

_KEY = re.compile(r"^[a-z][a-z0-9_]*$")
_ACCOUNT_KINDS = ("staff", "citizen", "legal")


@dataclass(frozen=True)
class PolicyRule:
    """One Casbin `p` row."""

    role: str
    domain: str
    object: str
    action: str
    effect: str = "allow"

    def as_row(self) -> list[str]:
        return [self.role, self.domain, self.object, self.action, self.effect]

    def as_dict(self) -> dict[str, str]:
        return {
            "role": self.role,
            "domain": self.domain,
            "object": self.object,
            "action": self.action,
            "effect": self.effect,
        }


@dataclass(frozen=True)
class Role:
    key: str
    name: str
    rank: int
    levels: tuple[str, ...]
    admin: bool
    department: bool
    #: for roles held by every account of a kind ("citizen", "legal"); never granted
    account_kind: str | None
    permissions: Mapping[str, tuple[str, ...]]

    @property
    def grantable(self) -> bool:
        return self.account_kind is None

    def allows(self, obj: str, action: str) -> bool:
        return action in self.permissions.get(obj, ())


@dataclass(frozen=True)
class Deny:
    role: str
    object: str
    action: str


@dataclass(frozen=True)
class RoleCatalogue:
    levels: Mapping[str, str]
    objects: Mapping[str, str]
    actions: Mapping[str, str]
    roles: Mapping[str, Role]
    denies: tuple[Deny, ...]
    conflicts: tuple[frozenset[str], ...]
    #: the three separated duties of 等保 level 3 (三员分立)
    separated_duties: frozenset[str] = frozenset()

    def role(self, key: str) -> Role:
        try:
            return self.roles[check_name(key, "/role")]
        except KeyError:
            raise InvalidInput("policy.role_unknown", pointer="/role", role=key) from None

    def check_object(self, obj: str) -> None:
        if check_name(obj, "/object") not in self.objects:
            raise InvalidInput("policy.object_unknown", pointer="/object", object=obj)

    def check_action(self, action: str) -> None:
        if check_name(action, "/action") not in self.actions:
            raise InvalidInput("policy.action_unknown", pointer="/action", action=action)

    def best_rank(self, roles: Iterable[str]) -> int:
        """The highest rank among `roles` (0 for none): what a person's standing is."""
        return max((self.roles[r].rank for r in roles if r in self.roles), default=0)

    def role_for_kind(self, kind: str) -> Role | None:
        """The implicit role of citizen and legal-person accounts."""
        return next((r for r in self.roles.values() if r.account_kind == kind), None)

    def template_rules(self) -> list[PolicyRule]:
        """Every permission and deny as a rule at the root, in catalogue order."""
        rules = [
            PolicyRule(role.key, ROOT, obj, action, "allow")
            for role in self.roles.values()
            for obj, actions in role.permissions.items()
            for action in actions
        ]
        rules += [PolicyRule(d.role, ROOT, d.object, d.action, "deny") for d in self.denies]
        return rules

    def conflicting(self, role: str, held: Iterable[str]) -> str | None:
        """A role in `held` that one person may not hold together with `role`."""
        for other in held:
            if other != role and any({role, other} <= pair for pair in self.conflicts):
                return other
        return None


def _fail(detail: str) -> InvalidInput:
    return InvalidInput("policy.catalogue_invalid", detail=detail)


def _mapping(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict) or not value:
        raise _fail(f"{where} must be a non-empty mapping")
    for key in value:
        if not isinstance(key, str) or not _KEY.match(key):
            raise _fail(f"{where}: key {key!r} must match {_KEY.pattern}")
    return value


def _names(value: Any, where: str) -> dict[str, str]:
    out = _mapping(value, where)
    for key, name in out.items():
        if not isinstance(name, str) or not name.strip():
            raise _fail(f"{where}.{key} needs a name")
    return out


def _keys(value: Any, allowed: Mapping[str, str], where: str) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise _fail(f"{where} must be a list")
    for item in value:
        if item not in allowed:
            raise _fail(f"{where}: unknown key {item!r}")
    if len(set(value)) != len(value):
        raise _fail(f"{where}: duplicate keys")
    return tuple(value)


def _role(key: str, raw: Any, cat: dict[str, Any]) -> Role:
    where = f"roles.{key}"
    if not isinstance(raw, dict):
        raise _fail(f"{where} must be a mapping")
    unknown = set(raw) - {
        "name",
        "rank",
        "levels",
        "admin",
        "department",
        "account_kind",
        "permissions",
    }
    if unknown:
        raise _fail(f"{where}: unknown fields {sorted(unknown)}")
    name, rank = raw.get("name"), raw.get("rank")
    if not isinstance(name, str) or not name.strip():
        raise _fail(f"{where}.name is required")
    if not isinstance(rank, int) or isinstance(rank, bool) or not 0 <= rank <= 100:
        raise _fail(f"{where}.rank must be an integer from 0 to 100")
    kind = raw.get("account_kind")
    if kind is not None and kind not in _ACCOUNT_KINDS[1:]:
        raise _fail(f"{where}.account_kind must be citizen or legal")
    levels = _keys(raw.get("levels", []), cat["levels"], f"{where}.levels")
    if kind is None and not levels:
        raise _fail(f"{where}.levels: a grantable role needs at least one level")
    perms_raw = _mapping(raw.get("permissions"), f"{where}.permissions")
    permissions = {}
    for obj, actions in perms_raw.items():
        if obj not in cat["objects"]:
            raise _fail(f"{where}.permissions: unknown object {obj!r}")
        permissions[obj] = _keys(actions, cat["actions"], f"{where}.permissions.{obj}")
    for flag in ("admin", "department"):
        if not isinstance(raw.get(flag, False), bool):
            raise _fail(f"{where}.{flag} must be true or false")
    return Role(
        key=key,
        name=name,
        rank=rank,
        levels=levels,
        admin=bool(raw.get("admin", False)),
        department=bool(raw.get("department", False)),
        account_kind=kind,
        permissions=permissions,
    )


def parse_catalogue(data: Any) -> RoleCatalogue:
    """Check and build a catalogue from parsed YAML."""
    if not isinstance(data, dict) or data.get("version") != 1:
        raise _fail("the document must be a mapping with version: 1")
    cat: dict[str, Any] = {
        "levels": _names(data.get("levels"), "levels"),
        "objects": _names(data.get("objects"), "objects"),
        "actions": _names(data.get("actions"), "actions"),
    }
    roles_raw = _mapping(data.get("roles"), "roles")
    roles = {key: _role(key, raw, cat) for key, raw in roles_raw.items()}
    kinds = [r.account_kind for r in roles.values() if r.account_kind]
    if len(kinds) != len(set(kinds)):
        raise _fail("two roles claim the same account_kind")
    denies: list[Deny] = []
    for i, raw in enumerate(data.get("denies") or []):
        if not isinstance(raw, dict) or raw.get("role") not in roles:
            raise _fail(f"denies[{i}]: unknown role")
        if raw.get("object") not in cat["objects"]:
            raise _fail(f"denies[{i}]: unknown object")
        for action in _keys(raw.get("actions"), cat["actions"], f"denies[{i}].actions"):
            denies.append(Deny(raw["role"], raw["object"], action))
    conflicts: list[frozenset[str]] = []
    for i, raw in enumerate(data.get("conflicts") or []):
        if not isinstance(raw, list) or len(raw) < 2 or any(r not in roles for r in raw):
            raise _fail(f"conflicts[{i}] must list two or more known roles")
        conflicts.append(frozenset(raw))
    separated = data.get("separated_duties") or []
    if not isinstance(separated, list) or any(
        r not in roles or not roles[r].grantable for r in separated
    ):
        raise _fail("separated_duties must list grantable roles of the catalogue")
    return RoleCatalogue(
        levels=cat["levels"],
        objects=cat["objects"],
        actions=cat["actions"],
        roles=roles,
        denies=tuple(denies),
        conflicts=tuple(conflicts),
        separated_duties=frozenset(separated),
    )


def load_catalogue(templates_root: Path) -> RoleCatalogue:
    """Read `roles.yaml` from the templates folder (`Settings.templates_root`)."""
    path = templates_root / CATALOGUE_FILE
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise _fail(f"{path}: {exc}") from exc
    return parse_catalogue(data)
