"""The application's route table as the security walks read it: every (method, path)
with its declared level, generated from the app so a new route is walked the day it lands."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from typing import Any

from litestar import Litestar
from litestar.routes import HTTPRoute

from yiwang.policy.guards import is_automatic_options

_PARAM = re.compile(r"\{(\w+):(\w+)\}")


def fill(path: str, code: str) -> str:
    """The path with `{code}` set to `code` and every other parameter a plausible value."""

    def value(match: re.Match[str]) -> str:
        name, kind = match.groups()
        if name == "code":
            return code
        return {"int": "1", "uuid": str(uuid.UUID(int=1))}.get(kind, "x")

    return _PARAM.sub(value, path)


def parameters(path: str) -> list[str]:
    """The names of the path's parameters other than the tenant code."""
    return [name for name, _ in _PARAM.findall(path) if name != "code"]


@dataclass(frozen=True)
class RouteCall:
    method: str
    template: str
    opt: dict[str, Any]

    @property
    def level(self) -> str:
        """`public`, `authenticated` or `permission` (object and action), as the guard reads it."""
        if self.opt.get("public") is True:
            return "public"
        if self.opt.get("authenticated") is True:
            return "authenticated"
        return "permission"

    @property
    def permission(self) -> tuple[str, str]:
        return str(self.opt.get("object")), str(self.opt.get("action"))

    def path(self, code: str) -> str:
        return fill(self.template, code)

    def __str__(self) -> str:
        return f"{self.method} {self.template}"


def route_calls(app: Litestar) -> list[RouteCall]:
    """Every method of every HTTP route, Litestar's generated OPTIONS handlers left out."""
    calls = []
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        for handler in route.route_handlers:
            if is_automatic_options(handler):
                continue
            for method in sorted(handler.http_methods):
                calls.append(RouteCall(method, route.path, dict(handler.opt or {})))
    return sorted(calls, key=str)
