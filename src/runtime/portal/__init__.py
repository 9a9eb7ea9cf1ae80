"""The citizen subsites: every region's pages (home, finding services, the service
guide, the public lists of 政务公开, the region switch and display preferences),
their templates, and the shell context the error pages share.

May import `yiwang.platform`, `yiwang.tenants`, `yiwang.metadata`, the session token
of `yiwang.policy.identity` (a signed-in page is never shared) and the runtime rooms
it reads: `lists`, `records`, `record_sets`, `static`, `web`.
"""

from yiwang.runtime.portal import messages as messages

__all__ = ["messages"]
