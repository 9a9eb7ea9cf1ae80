"""The tenant registry's own kinds of failure."""

from __future__ import annotations

from yiwang.platform.errors import Conflict, PermissionDenied


class TenantReadOnly(Conflict):
    """A change to the work of a suspended or archived tenant (409)."""


class OwnTenantOutOfService(PermissionDenied):
    """Suspending or archiving one's own tenant, or one above it (403)."""
