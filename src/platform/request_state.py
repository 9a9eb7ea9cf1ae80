"""What one request carries from the guard to the providers and the handler.

Litestar's `connection.state` wraps the scope's dict in a new `State`, lock included,
on every access; the guard and the providers read it several times a request, so they
use the dict itself.
"""

from __future__ import annotations

from typing import Any, cast

from litestar.connection import ASGIConnection


def request_state(connection: ASGIConnection[Any, Any, Any, Any]) -> dict[str, Any]:
    scope = cast("dict[str, Any]", connection.scope)
    return cast("dict[str, Any]", scope.setdefault("state", {}))
