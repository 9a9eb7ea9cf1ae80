"""Route specs rebuilt from a case's stored route definition, cached per process.

A case runs on the route it started on (`route_definition` is stored with it),
so the spec is parsed once per (form, route, version) and reused by every
transition of every case on that version.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Final

from yiwang.runtime.cases.models import Case
from yiwang.runtime.routes.spec import RouteSpec, parse_route

_SPEC_CACHE_SIZE: Final = 256


class RouteSpecs:
    """Specs rebuilt from stored definitions, once per route version per process."""

    def __init__(self) -> None:
        self._specs: OrderedDict[tuple[str, str, str], RouteSpec] = OrderedDict()

    def for_case(self, case: Case) -> RouteSpec:
        key = (case.form_key, case.route_key, case.route_version)
        found = self._specs.get(key)
        if found is None:
            found = parse_route(case.form_key, case.route_key, case.route_definition)
            self._specs[key] = found
            if len(self._specs) > _SPEC_CACHE_SIZE:
                self._specs.popitem(last=False)
        else:
            self._specs.move_to_end(key)
        return found
