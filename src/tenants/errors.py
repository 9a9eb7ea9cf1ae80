"""The tenant registry's own kinds of failure."""

from __future__ import annotations

from yiwang.platform.errors import Conflict


class TenantReadOnly(Conflict):
    """A change to the work of a suspended or archived tenant (409)."""
