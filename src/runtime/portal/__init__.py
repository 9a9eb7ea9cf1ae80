"""The citizen subsites: every region's pages (home, finding services, the service
guide, the public lists of 政务公开, the region switch and display preferences, signing
in and out, 我的办件), their templates, and the shell context the error pages share.

May import `yiwang.platform`, `yiwang.tenants`, `yiwang.policy` (identity's services,
to sign in and to name the signed-in person), `yiwang.metadata` and the runtime
rooms it reads: `cases`, `lists`, `records`, `record_sets`, `routes`, `static`, `web`.
"""

from yiwang.runtime.portal import messages as messages

__all__ = ["messages"]
