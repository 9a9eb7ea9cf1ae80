"""The tenant registry: the tenant tree, subsite resolution, departments,
lifecycle, onboarding from division files and templates, working-day calendars.

Imports only the kernel (`yiwang.platform`).
"""

from yiwang.tenants import messages as _messages  # noqa: F401  (registers this context's messages)
