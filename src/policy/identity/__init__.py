"""Who is who: accounts (staff, citizens, legal persons), credentials, sign-in,
sessions, and the real-name and SMS providers.

The rest of `policy` stands on this room; it imports only the kernel
(`yiwang.platform`) and the tenant registry (`yiwang.tenants`), never the rules.
"""

from yiwang.policy.identity import messages as _messages  # noqa: F401  (registers this context's messages)
